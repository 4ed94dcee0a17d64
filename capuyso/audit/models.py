"""The tamper-evident audit trail.

Each committee has its own chain (system events use chain 0). Every event carries the
sequence number in its chain and an HMAC-SHA256 over its content and the previous
event's hash, so editing, inserting or removing a row breaks the chain at that row.
`ChainHead` remembers the last link, so removing the newest rows is caught too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Verb(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOCKED = "locked", _("Account locked")
        LOGOUT = "logout", _("Signed out")
        EXPORT = "export", _("Exported")
        SECURITY = "security", _("Security change")

    chain = models.PositiveBigIntegerField(editable=False)
    seq = models.PositiveBigIntegerField(editable=False)
    committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("committee"),
    )
    created_at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=160, blank=True)
    verb = models.CharField(_("action"), max_length=16, choices=Verb.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="auditevent_chain_seq")
        ]
        indexes = [
            models.Index(fields=["committee", "-created_at"], name="audit_committee_time"),
            models.Index(fields=["committee", "actor", "-created_at"], name="audit_actor_time"),
            models.Index(fields=["committee", "object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_type} {self.object_label}"

    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for display; a plain value shows as the new value."""
        rows = []
        for name, value in (self.changes or {}).items():
            if isinstance(value, list) and len(value) == 2:
                rows.append((name, value[0], value[1]))
            else:
                rows.append((name, None, value))
        return rows


class ChainHead(models.Model):
    """The last link of each chain; locked while appending so links never fork."""

    chain = models.PositiveBigIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.seq}"

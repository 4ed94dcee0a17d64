"""In-app notifications (always) and their e-mail copy (when SMTP is configured)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from capuyso.core.models import TenantModel


class Notification(TenantModel):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assignment")
        DUE_SOON = "due_soon", _("Deadline soon")
        OVERDUE = "overdue", _("Overdue")
        DEADLINE_CHANGED = "deadline_changed", _("Deadline changed")
        ESCALATED = "escalated", _("Escalated")
        SUBMITTED = "submitted", _("Submitted for direction")
        REVIEW = "review", _("Review requested")
        APPROVAL = "approval", _("Approval requested")
        RECEIVED = "received", _("Document received")
        REMINDER = "reminder", _("Reminder")
        MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
        INFO = "info", _("Information")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("content"), blank=True)
    url = models.CharField(max_length=255, blank=True)
    # Same key for the same user twice is one notification (a reminder job that runs again).
    dedupe_key = models.CharField(max_length=120, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.title

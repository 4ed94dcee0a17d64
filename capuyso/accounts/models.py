import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.roles import Action, Role


class User(AbstractUser):
    """A person who signs in. `committee` is the tenant the account belongs to."""

    code = models.UUIDField(_("code"), default=uuid.uuid4, unique=True, editable=False)
    committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("committee"),
    )
    full_name = models.CharField(_("full name"), max_length=120)
    full_name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    member = models.OneToOneField(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        verbose_name=_("party member record"),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # Bumped by "sign out everywhere": every existing session stops matching.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    guide_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["committee", "full_name"], name="user_committee_name")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username

    def get_session_auth_hash(self) -> str:
        key_salt = "capuyso.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, algorithm="sha256").hexdigest()


class RolePermission(models.Model):
    """One row of the role × action table: `role` may perform `action`."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    action = models.CharField(_("action"), max_length=64, choices=Action.choices)

    class Meta:
        ordering = ["role", "action"]
        verbose_name = _("role permission")
        verbose_name_plural = _("role permissions")
        constraints = [
            models.UniqueConstraint(fields=["role", "action"], name="rolepermission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.action}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is stored."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

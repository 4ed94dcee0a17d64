"""Writes for accounts: sign-in checks, users, positions, passwords, sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.models import ApiToken, User
from capuyso.accounts.permissions import access_for, forget_access
from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, Role
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold

USER_AUDIT_FIELDS = ["username", "full_name", "phone", "email", "is_active", "committee"]
POSITION_AUDIT_FIELDS = ["user", "role", "unit", "title", "start_date", "end_date"]

# Unambiguous characters only: people read these aloud over the phone.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_temporary_password(length: int = 12) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


# --- Sign-in -----------------------------------------------------------------------------


def login_check(*, request, username: str, password: str) -> User | None:
    """Check a password, counting failures and locking the account after too many.

    A locked account is refused even with the right password; the reason is left on
    `request.capuyso_login_error` for the form to show.
    """
    now = timezone.now()
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        User().set_password(password)  # same cost as a real check: no timing oracle
        return None
    if user.locked_until and user.locked_until > now:
        if request is not None:
            request.capuyso_login_error = ("locked", user.locked_until)
        return None
    if user.check_password(password):
        if not user.is_active:
            return None  # a deactivated account: refused, but not a guessing attempt
        if User.objects.filter(pk=user.pk, locked_until__gt=timezone.now()).exists():
            return None  # locked by a parallel failed attempt while this one was checked
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        audit_record(
            actor=None,
            verb=Verb.LOGIN_FAILED,
            obj=user,
            committee=user.committee,
            changes={"failed_logins": user.failed_logins},
        )
        if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
            until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            audit_record(
                actor=None,
                verb=Verb.LOCKED,
                obj=user,
                committee=user.committee,
                changes={"locked_until": until.isoformat()},
            )
            if request is not None:
                request.capuyso_login_error = ("locked", until)
    return None


def login_succeeded(*, user: User) -> None:
    audit_record(actor=user, verb=Verb.LOGIN, obj=user)


def logout_recorded(*, user: User) -> None:
    audit_record(actor=user, verb=Verb.LOGOUT, obj=user)


# --- Users -------------------------------------------------------------------------------


def _check_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Enter a user name.")})
    clash = User.objects.filter(username__iexact=username)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"username": _("This user name is already taken. Choose another.")})
    return username


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    committee,
    username: str,
    full_name: str,
    password: str | None = None,
    phone: str = "",
    email: str = "",
    member=None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create an account in `committee`. Returns the user and the initial password."""
    username = _check_username(username)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's full name.")})
    if member is not None and member.committee_id != committee.pk:
        raise ValidationError({"member": _("The member record belongs to another committee.")})
    initial = password or generate_temporary_password()
    user = User(
        committee=committee,
        username=username,
        full_name=full_name,
        full_name_folded=fold(full_name),
        phone=phone.strip(),
        email=email.strip(),
        member=member,
        must_change_password=must_change_password,
    )
    if password:
        password_validation.validate_password(password, user)
    user.set_password(initial)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Two submissions raced past the check above: the database keeps one.
        raise ValidationError(
            {"username": _("This user name is already taken. Choose another.")}
        ) from exc
    audit_record(actor=actor, verb=Verb.CREATE, obj=user, changes=created(user, USER_AUDIT_FIELDS))
    return user, initial


@transaction.atomic
def user_create_with_position(
    *,
    actor: User,
    committee,
    username: str,
    full_name: str,
    role: str,
    unit=None,
    phone: str = "",
    email: str = "",
    title: str = "",
) -> tuple[User, str]:
    """Create an account with its first position; both or neither are saved.

    Returns the user and the generated temporary password, which the administrator
    hands over in person (no e-mail is sent). The person must change it at first sign-in.
    """
    user, initial = user_create(
        actor=actor,
        committee=committee,
        username=username,
        full_name=full_name,
        phone=phone,
        email=email,
        must_change_password=True,
    )
    position_assign(actor=actor, user=user, role=role, unit=unit, title=title)
    return user, initial


def _end_all_access(user: User) -> None:
    """End every way in: sessions (by generation) and API tokens. Caller saves the user."""
    user.session_generation += 1
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def user_update(*, actor: User, user: User, **values) -> User:
    allowed = {"full_name", "phone", "email", "is_active", "username"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot update {unknown}")
    if values.get("is_active") is False and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_AUDIT_FIELDS)
    if "username" in values:
        values["username"] = _check_username(values["username"], exclude_pk=user.pk)
    if "full_name" in values:
        values["full_name"] = " ".join(values["full_name"].split())
        if not values["full_name"]:
            raise ValidationError({"full_name": _("Enter the person's full name.")})
        user.full_name_folded = fold(values["full_name"])
    for name, value in values.items():
        setattr(user, name, value)
    changes = diff(before, snapshot(user, USER_AUDIT_FIELDS))
    if changes:
        user.save()
        if "is_active" in changes and not user.is_active:
            _end_all_access(user)
            user.save(update_fields=["session_generation"])
        audit_record(actor=actor, verb=Verb.UPDATE, obj=user, changes=changes)
    return user


@transaction.atomic
def password_reset_by_admin(*, actor: User, user: User) -> str:
    """Set a new temporary password (shown once to the admin), unlock, end all sessions."""
    temporary = generate_temporary_password()
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    _end_all_access(user)
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "failed_logins",
            "locked_until",
            "session_generation",
        ]
    )
    audit_record(
        actor=actor,
        verb=Verb.SECURITY,
        obj=user,
        changes={"password": ["***", _("reset by administrator")]},
    )
    return temporary


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    """The user sets their own password (validated); other sessions are signed out."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.session_generation += 1
    user.save(update_fields=["password", "must_change_password", "session_generation"])
    audit_record(
        actor=user, verb=Verb.SECURITY, obj=user, changes={"password": ["***", _("changed")]}
    )


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=actor, verb=Verb.SECURITY, obj=user, changes={"locked_until": [None, None]})


@transaction.atomic
def sessions_revoke_all(*, actor: User, user: User) -> None:
    """Sign the user out everywhere: every session made before now stops matching,
    and every API token is revoked."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["session_generation"])
    audit_record(
        actor=actor, verb=Verb.SECURITY, obj=user, changes={"sessions": [None, _("all ended")]}
    )


@transaction.atomic
def guide_complete(*, user: User) -> None:
    User.objects.filter(pk=user.pk, guide_completed_at__isnull=True).update(
        guide_completed_at=timezone.now()
    )


# --- Positions ---------------------------------------------------------------------------


def _validate_position(*, user: User, role: str, unit) -> None:
    from capuyso.org.models import Committee, Unit

    committee = user.committee
    if committee is None:
        raise ValidationError(_("This account belongs to no committee."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.CITY_VIEWER and committee.level != Committee.Level.CITY:
        raise ValidationError({"role": _("Only a city committee has city viewers.")})
    if (
        role not in (Role.CITY_VIEWER, Role.TENANT_ADMIN)
        and committee.level == Committee.Level.CITY
    ):
        raise ValidationError(
            {"role": _("A city committee account can only be a city viewer or administrator.")}
        )
    if unit is not None and unit.committee_id != committee.pk:
        raise ValidationError({"unit": _("The unit belongs to another committee.")})
    if role in COMMITTEE_WIDE_ROLES:
        if unit is not None and not unit.is_organ:
            raise ValidationError(
                {
                    "unit": _(
                        "This role is held in the committee or one of its organs, not in a cell."
                    )
                }
            )
    else:
        if unit is None:
            raise ValidationError({"unit": _("Choose the cell this role is held in.")})
        if unit.kind not in (Unit.Kind.CELL, Unit.Kind.SUB_COMMITTEE, Unit.Kind.PARTY_GROUP):
            raise ValidationError({"unit": _("This role is held in a cell or sub-committee.")})


@transaction.atomic
def position_assign(
    *,
    actor: User | None,
    user: User,
    role: str,
    unit=None,
    title: str = "",
    start_date: dt.date | None = None,
):
    from capuyso.org.models import Position

    _validate_position(user=user, role=role, unit=unit)
    today = timezone.localdate()
    duplicate = Position.objects.filter(user=user, role=role, unit=unit).exclude(end_date__lt=today)
    if duplicate.exists():
        raise ValidationError(_("This person already holds this role in this unit."))
    position = Position.objects.create(
        committee_id=user.committee_id,
        user=user,
        role=role,
        unit=unit,
        title=title.strip(),
        start_date=start_date or today,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=position,
        changes=created(position, POSITION_AUDIT_FIELDS),
    )
    forget_access(user)
    return position


@transaction.atomic
def position_end(*, actor: User, position, end_date: dt.date | None = None):
    from capuyso.org.models import Position

    position = Position.objects.select_for_update().get(pk=position.pk)
    today = timezone.localdate()
    if position.end_date is not None and position.end_date < today:
        raise ValidationError(_("This position has already ended."))
    if position.user_id == actor.pk and position.role == Role.TENANT_ADMIN:
        raise ValidationError(
            _("You cannot end your own administrator position. Ask another administrator.")
        )
    end_date = end_date or today
    if end_date < position.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    before = snapshot(position, POSITION_AUDIT_FIELDS)
    position.end_date = end_date
    position.save(update_fields=["end_date", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=position,
        changes=diff(before, snapshot(position, POSITION_AUDIT_FIELDS)),
    )
    return position


# --- API tokens --------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "cus_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:80], prefix=raw[4:12], digest=ApiToken.digest_of(raw)
    )
    audit_record(
        actor=actor,
        verb=Verb.SECURITY,
        obj=user,
        committee=user.committee,
        changes={"api_token": [None, token.prefix + "…"]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        verb=Verb.SECURITY,
        obj=token.user,
        changes={"api_token": [token.prefix + "…", _("revoked")]},
    )


# --- Two-factor authentication -----------------------------------------------------------


def _totp_devices():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects


def otp_device_pending(*, user: User):
    """The unconfirmed authenticator being set up: created once, then reused.

    Reusing it keeps the QR code stable when the person reloads the page.
    """
    device = _totp_devices().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = _totp_devices().create(user=user, name="authenticator", confirmed=False)
    return device


def _otp_check(*, devices, token: str):
    """(device that accepted `token` or None, whether any device was throttled)."""
    throttled = False
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        if device.verify_token(token):
            return device, throttled
    return None, throttled


def _otp_refused(*, user: User, throttled: bool, reason: str) -> ValidationError:
    audit_record(
        actor=None,
        verb=Verb.LOGIN_FAILED,
        obj=user,
        committee=user.committee,
        changes={"two_factor": reason},
    )
    if throttled:
        return ValidationError(_("Too many wrong codes. Wait one minute, then try again."))
    return ValidationError(
        _(
            "This code is not correct or has expired. Type the 6 digits the app shows now; "
            "if it keeps failing, check that the phone's clock is right."
        )
    )


def otp_device_confirm(*, user: User, device, token: str):
    """Confirm the device being set up with a code from it; other devices are removed."""
    with transaction.atomic():
        locked = _totp_devices().select_for_update().filter(pk=device.pk, user=user)
        accepted, throttled = _otp_check(devices=locked, token=token)
        if accepted is not None:
            accepted.confirmed = True
            accepted.save(update_fields=["confirmed"])
            _totp_devices().filter(user=user).exclude(pk=accepted.pk).delete()
            audit_record(
                actor=user,
                verb=Verb.SECURITY,
                obj=user,
                changes={"two_factor": [None, _("enabled")]},
            )
            return accepted
        # The failed attempt (throttle counter, audit row) is kept: no exception inside.
        error = _otp_refused(user=user, throttled=throttled, reason="setup code refused")
    raise error


def otp_verify(*, user: User, token: str):
    """Check a sign-in code against the user's confirmed devices; return the device."""
    with transaction.atomic():
        devices = _totp_devices().select_for_update().filter(user=user, confirmed=True)
        accepted, throttled = _otp_check(devices=devices, token=token)
        if accepted is not None:
            return accepted
        error = _otp_refused(user=user, throttled=throttled, reason="sign-in code refused")
    raise error


@transaction.atomic
def otp_disable(*, actor: User, user: User) -> None:
    """The user turns two-factor off for themselves; not allowed for leaders and admins."""
    if access_for(user).needs_two_factor or user.is_superuser:
        raise ValidationError(
            _("Your role requires two-factor authentication, so it cannot be turned off.")
        )
    deleted, _detail = _totp_devices().filter(user=user).delete()
    if deleted:
        audit_record(
            actor=actor,
            verb=Verb.SECURITY,
            obj=user,
            changes={"two_factor": [_("enabled"), _("disabled")]},
        )


@transaction.atomic
def otp_reset_by_admin(*, actor: User, user: User) -> None:
    """Remove every authenticator of `user` (lost phone); they set up a new one at next use.

    Existing sessions and tokens end too, so nobody rides on the old second factor.
    """
    _totp_devices().filter(user=user).delete()
    user = User.objects.select_for_update().get(pk=user.pk)
    _end_all_access(user)
    user.save(update_fields=["session_generation"])
    audit_record(
        actor=actor,
        verb=Verb.SECURITY,
        obj=user,
        changes={"two_factor": [None, _("reset by administrator")]},
    )


# --- Role × action table (edited by superusers in /system-admin/) ---------------------------


def role_permission_recorded(*, actor: User, permission, granted: bool) -> None:
    """Audit a change of the role × action table made through the system admin."""
    value = f"{permission.role}: {permission.action}"
    audit_record(
        actor=actor,
        verb=Verb.SECURITY,
        committee=None,
        object_type="accounts.rolepermission",
        object_id=value,
        object_label=value,
        changes={"permission": [None, value] if granted else [value, None]},
    )

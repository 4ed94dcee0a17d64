"""Notify people: in-app always, by e-mail too when an SMTP server is configured."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from capuyso.notifications.models import Notification


def notify(
    *,
    users: Iterable,
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Create one notification per (distinct, active) user. With `dedupe_key`, a user who
    already has that notification gets nothing new (reminder jobs can run twice)."""
    created = []
    seen = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active or user.committee_id is None:
            continue
        seen.add(user.pk)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    committee_id=user.committee_id,
                    user=user,
                    kind=kind,
                    title=title[:255],
                    body=body,
                    url=url[:255],
                    dedupe_key=dedupe_key[:120],
                )
        except IntegrityError:
            continue  # already notified under this key
        created.append(notification)
    if created and settings.EMAIL_ENABLED:
        codes = [str(n.code) for n in created]
        transaction.on_commit(lambda: _enqueue_email(codes))
    return created


def _enqueue_email(codes: list[str]) -> None:
    from capuyso.notifications.tasks import send_notification_emails

    send_notification_emails.enqueue(codes)


def notification_emails_send(codes: list[str]) -> int:
    """Send the e-mail copy of the given notifications (those with an address, not yet sent)."""
    from django.core.mail import EmailMessage

    sent = 0
    pending = Notification.objects.filter(code__in=codes, emailed_at__isnull=True).select_related(
        "user"
    )
    for notification in pending:
        if not notification.user.email:
            continue
        link = notification.url
        base = getattr(settings, "CAPUYSO_BASE_URL", "")
        if link and base:
            link = base.rstrip("/") + link
        message = EmailMessage(
            subject=notification.title,
            body="\n\n".join(part for part in (notification.body, link) if part),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.user.email],
        )
        if message.send():
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at", "updated_at"])
            sent += 1
    return sent


def notification_mark_read(*, user, notification: Notification | None = None) -> int:
    """Mark one notification (or all of the user's) as read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())

from django.core.exceptions import ValidationError
from django.http import Http404

from capuyso.notifications.models import Notification


def notifications_for_user(user):
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def get_notification_for_user(user, code) -> Notification:
    try:
        return Notification.objects.get(user=user, code=code)
    except (Notification.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc

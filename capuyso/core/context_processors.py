from django.conf import settings

from capuyso.core.navigation import account_nav_for, nav_for
from capuyso.notifications.selectors import unread_count


def shell(request):
    return {
        "nav_items": nav_for(request),
        "account_items": account_nav_for(request),
        "LANGUAGES": settings.LANGUAGES,
        "unread_notifications": unread_count(request.user) if hasattr(request, "user") else 0,
    }

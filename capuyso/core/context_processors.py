from django.conf import settings

from capuyso.core.navigation import nav_for


def shell(request):
    return {
        "nav_items": nav_for(request),
        "LANGUAGES": settings.LANGUAGES,
    }

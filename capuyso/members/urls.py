"""The members area. Each feature keeps its own URL module so features grow independently."""

from django.urls import path

from capuyso.members import (
    urls_badges,
    urls_export,
    urls_import,
    urls_lifecycle,
    urls_settings,
    views,
)

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("<uuid:code>/", views.member_detail, name="detail"),
    *urls_lifecycle.urlpatterns,
    *urls_badges.urlpatterns,
    *urls_import.urlpatterns,
    *urls_export.urlpatterns,
    *urls_settings.urlpatterns,
]

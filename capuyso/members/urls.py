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
    path("new/", views.member_create, name="create"),
    path("<uuid:code>/", views.member_detail, name="detail"),
    path("<uuid:code>/edit/", views.member_edit, name="edit"),
    path("<uuid:code>/commendations/new/", views.commendation_add, name="commendation_add"),
    path(
        "<uuid:code>/commendations/<uuid:item>/remove/",
        views.commendation_remove,
        name="commendation_remove",
    ),
    path("<uuid:code>/disciplines/new/", views.discipline_add, name="discipline_add"),
    path(
        "<uuid:code>/disciplines/<uuid:item>/remove/",
        views.discipline_remove,
        name="discipline_remove",
    ),
    path("<uuid:code>/family/new/", views.relation_add, name="relation_add"),
    path("<uuid:code>/family/<uuid:item>/remove/", views.relation_remove, name="relation_remove"),
    path("<uuid:code>/papers/new/", views.paper_add, name="paper_add"),
    path("<uuid:code>/papers/<uuid:item>/remove/", views.paper_remove, name="paper_remove"),
    path("papers/<uuid:code>/", views.paper_download, name="paper"),
    path("<uuid:code>/corrections/new/", views.correction_new, name="correction_new"),
    path("corrections/<uuid:code>/refuse/", views.correction_refuse, name="correction_refuse"),
    *urls_lifecycle.urlpatterns,
    *urls_badges.urlpatterns,
    *urls_import.urlpatterns,
    *urls_export.urlpatterns,
    *urls_settings.urlpatterns,
]

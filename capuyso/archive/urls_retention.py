"""Routes of the archive's retention pages (included by capuyso/archive/urls.py): the
retention list, dossier editing, closing and reopening, and disposal review."""

from django.urls import path

from capuyso.archive import views, views_retention

urlpatterns: list = [
    path("retention/", views_retention.retention_list, name="retention"),
    path("retention/new/", views_retention.retention_add, name="retention_add"),
    path("retention/<uuid:code>/", views_retention.retention_edit, name="retention_edit"),
    path(
        "retention/<uuid:code>/active/",
        views_retention.retention_toggle,
        name="retention_toggle",
    ),
    path(
        "retention/<uuid:code>/delete/",
        views_retention.retention_delete,
        name="retention_delete",
    ),
    path("dossiers/<uuid:code>/edit/", views.dossier_edit, name="dossier_edit"),
    path("dossiers/<uuid:code>/close/", views.dossier_close, name="dossier_close"),
    path("dossiers/<uuid:code>/reopen/", views.dossier_reopen, name="dossier_reopen"),
    path("disposal/", views_retention.disposal_list, name="disposal"),
    path("disposal/print/", views_retention.disposal_print, name="disposal_print"),
    path("disposal/<uuid:code>/", views_retention.disposal_decide, name="disposal_decide"),
]

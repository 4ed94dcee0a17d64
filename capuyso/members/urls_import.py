"""URLs of the import pages (see urls.py)."""

from django.urls import path

from capuyso.members import views_import as views

urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<uuid:code>/", views.import_preview_page, name="import_preview"),
    path("import/<uuid:code>/apply/", views.import_apply_view, name="import_apply"),
    path("import/<uuid:code>/discard/", views.import_discard_view, name="import_discard"),
    path("import/<uuid:code>/recheck/", views.import_recheck_view, name="import_recheck"),
]

"""URLs of the export pages (see urls.py)."""

from django.urls import path

from capuyso.members import views_export

urlpatterns: list = [
    path("export/list.xlsx", views_export.export_xlsx, name="export_xlsx"),
    path("export/list.pdf", views_export.export_pdf, name="export_pdf"),
    path("export/cards.csv", views_export.export_cards_csv, name="export_cards_csv"),
]

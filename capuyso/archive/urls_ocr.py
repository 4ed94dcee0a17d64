"""Routes of the archive's ocr pages (included by capuyso/archive/urls.py)."""

from django.urls import path

from capuyso.archive import views_ocr

urlpatterns: list = [
    path("ocr/", views_ocr.ocr_overview, name="ocr_overview"),
    path("items/<uuid:code>/ocr/", views_ocr.item_ocr_status, name="item_ocr_status"),
    path("items/<uuid:code>/ocr/retry/", views_ocr.item_ocr_retry, name="item_ocr_retry"),
]

"""Routes of the archive's ocr pages (included by capuyso/archive/urls.py)."""

urlpatterns: list = []

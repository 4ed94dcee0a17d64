"""Routes of the archive's items pages (included by capuyso/archive/urls.py)."""

urlpatterns: list = []

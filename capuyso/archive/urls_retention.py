"""Routes of the archive's retention pages (included by capuyso/archive/urls.py)."""

urlpatterns: list = []

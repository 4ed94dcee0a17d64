"""URLs of the export pages (see urls.py)."""

urlpatterns: list = []

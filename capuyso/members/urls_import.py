"""URLs of the import pages (see urls.py)."""

urlpatterns: list = []

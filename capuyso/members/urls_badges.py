"""URLs of the badges pages (see urls.py)."""

urlpatterns: list = []

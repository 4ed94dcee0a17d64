"""URLs of the settings pages (see urls.py)."""

urlpatterns: list = []

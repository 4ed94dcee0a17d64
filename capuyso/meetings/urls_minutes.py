"""URLs of the minutes pages (see urls.py)."""

urlpatterns: list = []

"""URLs of the calendar pages (see urls.py)."""

urlpatterns: list = []

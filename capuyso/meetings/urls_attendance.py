"""URLs of the attendance pages (see urls.py)."""

urlpatterns: list = []

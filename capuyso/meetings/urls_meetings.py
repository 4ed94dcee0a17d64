"""URLs of the meetings pages (see urls.py)."""

urlpatterns: list = []

"""URLs of the votes pages (see urls.py)."""

urlpatterns: list = []

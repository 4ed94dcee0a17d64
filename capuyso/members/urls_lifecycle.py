"""URLs of the lifecycle pages (see urls.py)."""

urlpatterns: list = []

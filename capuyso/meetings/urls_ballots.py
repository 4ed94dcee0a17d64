"""URLs of the ballots pages (see urls.py)."""

urlpatterns: list = []

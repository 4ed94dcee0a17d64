"""URLs of the signing app, mounted at /signing/. Each views module owns its `urlpatterns`."""

from capuyso.signing import urls_remote, views, views_copies

app_name = "signing"

urlpatterns = [
    *views.urlpatterns,
    *views_copies.urlpatterns,
] + urls_remote.urlpatterns

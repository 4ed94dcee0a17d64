"""URLs of remote (phone-confirmed) signing, added to `signing/urls.py` (app "signing")."""

from django.urls import path

from capuyso.signing import views_remote

urlpatterns = [
    path("remote/<uuid:code>/", views_remote.remote_status, name="remote_status"),
    path("remote/<uuid:code>/poll/", views_remote.remote_poll, name="remote_poll"),
    path("remote/<uuid:code>/cancel/", views_remote.remote_cancel, name="remote_cancel"),
]

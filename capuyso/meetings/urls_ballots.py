"""URLs of the secret ballots (see urls.py); the voting itself goes through the API
(capuyso/api/ballots.py)."""

from django.urls import path

from capuyso.meetings import views_ballots as views

urlpatterns: list = [
    path("<uuid:code>/ballots/new/", views.ballot_new, name="ballot_new"),
    path("ballots/<uuid:code>/", views.ballot_detail, name="ballot"),
    path("ballots/<uuid:code>/open/", views.ballot_open, name="ballot_open"),
    path("ballots/<uuid:code>/close/", views.ballot_close, name="ballot_close"),
]

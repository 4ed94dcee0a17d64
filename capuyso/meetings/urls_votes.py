"""URLs of the votes pages (see urls.py): open votes, paper ballots and elections."""

from django.urls import path

from capuyso.meetings import views_votes as views

urlpatterns: list = [
    path("<uuid:code>/votes/new/", views.vote_new, name="vote_new"),
    path("<uuid:code>/elections/new/", views.election_new, name="election_new"),
    path("votes/<uuid:code>/", views.vote_detail, name="vote"),
    path("votes/<uuid:code>/open/", views.vote_open, name="vote_open"),
    path("votes/<uuid:code>/close/", views.vote_close, name="vote_close"),
    path("votes/<uuid:code>/counts/", views.vote_counts, name="vote_counts"),
    path("votes/<uuid:code>/names/", views.vote_names, name="vote_names"),
    path("votes/<uuid:code>/paper/", views.vote_paper, name="vote_paper"),
    path("votes/<uuid:code>/election/", views.election_count, name="election_count"),
    path("votes/<uuid:code>/next-round/", views.election_next_round, name="election_next_round"),
    path("votes/<uuid:code>/minutes/", views.vote_minutes, name="vote_minutes"),
    path("votes/<uuid:code>/minutes/file/", views.vote_minutes_file, name="vote_minutes_file"),
]

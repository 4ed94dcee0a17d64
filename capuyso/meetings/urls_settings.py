"""URLs of the vote-threshold settings (administrator)."""

from django.urls import path

from capuyso.meetings import views_vote_rules as views

urlpatterns = [
    path("settings/vote-rules/", views.vote_rules, name="vote_rules"),
    path(
        "settings/vote-rules/<slug:code>/<str:effective_from>/withdraw/",
        views.vote_rule_withdraw,
        name="vote_rule_withdraw",
    ),
]

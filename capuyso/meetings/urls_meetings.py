"""URLs of the meetings pages (see urls.py)."""

from django.urls import path

from capuyso.meetings import views_meetings as views

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("missing/", views.missing, name="missing"),
    path("series/", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<uuid:code>/edit/", views.series_edit, name="series_edit"),
    path("agenda/<uuid:code>/edit/", views.agenda_edit, name="agenda_edit"),
    path("agenda/<uuid:code>/move/", views.agenda_move, name="agenda_move"),
    path("agenda/<uuid:code>/remove/", views.agenda_remove, name="agenda_remove"),
    path("<uuid:code>/", views.meeting_detail, name="detail"),
    path("<uuid:code>/edit/", views.meeting_edit, name="edit"),
    path("<uuid:code>/cancel/", views.meeting_cancel, name="cancel"),
    path("<uuid:code>/start/", views.meeting_start, name="start"),
    path("<uuid:code>/close/", views.meeting_close, name="close"),
    path("<uuid:code>/agenda/", views.agenda_add, name="agenda_add"),
]

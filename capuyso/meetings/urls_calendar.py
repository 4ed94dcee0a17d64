"""URLs of the calendar pages (see urls.py)."""

from django.urls import path

from capuyso.meetings import views_calendar as views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/new/", views.calendar_entry_create, name="calendar_create"),
    path("calendar/publish/", views.calendar_publish, name="calendar_publish"),
    path("calendar/pdf/", views.calendar_pdf, name="calendar_pdf"),
    path("calendar/ics/", views.calendar_ics, name="calendar_ics"),
    path("calendar/<uuid:code>/edit/", views.calendar_entry_edit, name="calendar_edit"),
    path("calendar/<uuid:code>/delete/", views.calendar_entry_delete, name="calendar_delete"),
]

"""URLs of invitations, attendance and the paperless reader (see urls.py)."""

from django.urls import path

from capuyso.meetings import views_attendance as views

urlpatterns = [
    path("<uuid:code>/invitations/", views.invitations, name="invitations"),
    path("<uuid:code>/invitations/send/", views.invitations_send, name="invitations_send"),
    path("<uuid:code>/invitation/", views.invitation, name="invitation"),
    path("<uuid:code>/invitation/answer/", views.invitation_respond, name="invitation_respond"),
    path("<uuid:code>/attendance/", views.attendance, name="attendance"),
    path("<uuid:code>/attendance/save/", views.attendance_save, name="attendance_save"),
    path(
        "<uuid:code>/attendance/<uuid:member_code>/",
        views.attendance_mark,
        name="attendance_mark",
    ),
    path("<uuid:code>/documents/add/", views.document_add, name="document_add"),
    path("documents/<uuid:code>/", views.reader, name="reader"),
    path("documents/<uuid:code>/pages/<int:page>.png", views.reader_page, name="reader_page"),
    path("documents/<uuid:code>/remove/", views.document_remove, name="document_remove"),
    path("documents/<uuid:code>/openings/", views.document_openings, name="document_openings"),
]

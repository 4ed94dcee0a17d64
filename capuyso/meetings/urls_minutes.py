"""URLs of the minutes pages (see urls.py)."""

from django.urls import path

from capuyso.meetings import views_minutes as views

urlpatterns: list = [
    path("<uuid:code>/minutes/", views.minutes_for_meeting, name="minutes"),
    path("<uuid:code>/minutes/start/", views.minutes_start, name="minutes_start"),
    path("minutes/<uuid:code>/", views.minutes_detail, name="minutes_detail"),
    path("minutes/<uuid:code>/edit/", views.minutes_edit, name="minutes_edit"),
    path("minutes/<uuid:code>/refresh/", views.minutes_refresh, name="minutes_refresh"),
    path("minutes/<uuid:code>/sign/", views.minutes_sign, name="minutes_sign"),
    path("minutes/<uuid:code>/correct/", views.minutes_correct, name="minutes_correct"),
    path(
        "minutes/<uuid:code>/withdraw-signatures/",
        views.minutes_withdraw_signatures,
        name="minutes_withdraw",
    ),
    path("minutes/<uuid:code>/resolution/", views.minutes_resolution, name="minutes_resolution"),
    path("minutes/<uuid:code>/docx/", views.minutes_docx_download, name="minutes_docx"),
    path("minutes/<uuid:code>/pdf/", views.minutes_pdf_download, name="minutes_pdf"),
]

"""Fees URLs: payment codes (VietQR) and printed notices."""

from django.urls import path

from capuyso.fees import views_qr as views

urlpatterns = [
    path("qr/member/<uuid:code>/<str:month>/", views.qr_member, name="qr_member"),
    path("qr/member/<uuid:code>/<str:month>/notice/", views.notice_member, name="notice_member"),
    path("qr/cell/<uuid:code>/<str:month>/", views.qr_cell, name="qr_cell"),
    path("qr/cell/<uuid:code>/<str:month>/notices/", views.notice_cell, name="notice_cell"),
]

"""URLs of the lifecycle pages (see urls.py)."""

from django.urls import path

from capuyso.members import views_lifecycle as views

urlpatterns = [
    path("recognitions/", views.recognitions, name="recognitions"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/receive/", views.transfer_receive, name="transfer_receive"),
    path("transfers/<uuid:code>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<uuid:code>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<uuid:code>/refuse/", views.transfer_refuse, name="transfer_refuse"),
    path("transfers/<uuid:code>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<uuid:code>/receipt/", views.transfer_receipt, name="transfer_receipt"),
    path("transfers/<uuid:code>/return/", views.transfer_return, name="transfer_return"),
    path("transfers/<uuid:code>/letter/", views.transfer_letter, name="transfer_letter"),
    path("exemptions/<uuid:code>/end/", views.exemption_end, name="exemption_end"),
    path("<uuid:code>/recognize/", views.member_recognize, name="recognize"),
    path(
        "<uuid:code>/recognize/failed-vote/",
        views.recognition_failed,
        name="recognition_failed",
    ),
    path("<uuid:code>/exemption/", views.member_exempt, name="exempt"),
    path("<uuid:code>/transfer/", views.transfer_new, name="transfer_new"),
    path("<uuid:code>/close/", views.member_close, name="member_close"),
    path("<uuid:code>/gaps/", views.gap_add, name="gap_add"),
]

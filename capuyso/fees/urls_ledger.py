"""Fees URLs: the ledger — cells' months, payments, members' accounts, the committee's
summary, remittances and unpaid months."""

from django.urls import path

from capuyso.fees import views_ledger as views

urlpatterns = [
    path("", views.home, name="home"),
    path("cells/<uuid:code>/", views.cell_month_current, name="cell_month_current"),
    path("cells/<uuid:code>/<str:month>/", views.cell_month, name="cell_month"),
    path("cells/<uuid:code>/<str:month>/cash/", views.cell_month_cash, name="cell_month_cash"),
    path(
        "cells/<uuid:code>/<str:month>/payment/",
        views.cell_month_payment,
        name="cell_month_payment",
    ),
    path(
        "cells/<uuid:code>/<str:month>/compute/",
        views.cell_month_compute,
        name="cell_month_compute",
    ),
    path("cells/<uuid:code>/<str:month>/close/", views.cell_month_close, name="cell_month_close"),
    path(
        "cells/<uuid:code>/<str:month>/reopen/", views.cell_month_reopen, name="cell_month_reopen"
    ),
    path("cells/<uuid:code>/<str:month>/book/", views.cell_month_book, name="cell_month_book"),
    path("payments/<uuid:code>/void/", views.payment_void, name="payment_void"),
    path("members/<uuid:code>/", views.member, name="member"),
    path("members/<uuid:code>/payment/", views.member_payment, name="member_payment"),
    path("members/<uuid:code>/excuse/", views.excuse_record, name="excuse_record"),
    path("excuses/<uuid:code>/withdraw/", views.excuse_withdraw, name="excuse_withdraw"),
    path("committee/", views.committee, name="committee"),
    path("remittances/", views.remittance_list, name="remittances"),
    path("remittances/record/", views.remittance_record, name="remittance_record"),
    path("remittances/<uuid:code>/void/", views.remittance_void, name="remittance_void"),
    path("unpaid/", views.unpaid, name="unpaid"),
]

"""Fees URLs: members' fee bases (one member, a cell's month in bulk, import) and reliefs."""

from django.urls import path

from capuyso.fees import views_bases as views

urlpatterns = [
    path("bases/member/<uuid:code>/", views.member_bases, name="member_bases"),
    path("bases/member/<uuid:code>/declare/", views.basis_declare, name="basis_declare"),
    path("bases/cell/<uuid:code>/", views.cell_bases_now, name="bases_cell_now"),
    path("bases/cell/<uuid:code>/import/", views.cell_bases_import, name="bases_import"),
    path("bases/cell/<uuid:code>/<str:month>/", views.cell_bases, name="bases_cell"),
    path("reliefs/member/<uuid:code>/add/", views.relief_record, name="relief_record"),
    path("reliefs/<uuid:code>/withdraw/", views.relief_withdraw, name="relief_withdraw"),
    path("reliefs/<uuid:code>/end/", views.relief_end, name="relief_end"),
]

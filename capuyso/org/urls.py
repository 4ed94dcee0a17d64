from django.urls import path

from capuyso.org import views

app_name = "org"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("committee/", views.committee_detail, name="committee"),
    path("committee/terms/add/", views.term_add, name="committee_term_add"),
    path("committee/groupings/add/", views.grouping_add, name="grouping_add"),
    path("cells/", views.cell_list, name="cells"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<uuid:code>/", views.unit_detail, name="unit"),
    path("units/<uuid:code>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<uuid:code>/terms/add/", views.term_add, name="term_add"),
]

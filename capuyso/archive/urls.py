from django.urls import path

from capuyso.archive import views

app_name = "archive"

urlpatterns = [
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/new/", views.dossier_new, name="dossier_new"),
    path("dossiers/<uuid:code>/", views.dossier_detail, name="dossier"),
]

from django.urls import include, path

from capuyso.archive import urls_items, urls_ocr, urls_retention, views

app_name = "archive"

urlpatterns = [
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/new/", views.dossier_new, name="dossier_new"),
    path("dossiers/<uuid:code>/", views.dossier_detail, name="dossier"),
    path("", include(urls_items)),
    path("", include(urls_ocr)),
    path("", include(urls_retention)),
]

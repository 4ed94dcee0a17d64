from django.urls import path

from capuyso.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("healthz", views.healthz, name="healthz"),
]

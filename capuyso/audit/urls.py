from django.urls import path

from capuyso.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("verify/", views.verify, name="verify"),
]

from django.urls import path

from capuyso.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:code>/", views.job_detail, name="detail"),
]

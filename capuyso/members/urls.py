from django.urls import path

from capuyso.members import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("<uuid:code>/", views.member_detail, name="detail"),
]

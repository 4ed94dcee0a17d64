"""URLs of the badges pages (see urls.py)."""

from django.urls import path

from capuyso.members import views_badges

urlpatterns: list = [
    path("badges/", views_badges.badge_list, name="badges"),
    path("badges/export/", views_badges.badge_export, name="badges_export"),
    path("badges/record/", views_badges.badge_record, name="badges_record"),
]

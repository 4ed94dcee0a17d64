"""Routes of the archive's items pages (included by capuyso/archive/urls.py)."""

from django.urls import path

from capuyso.archive import views_items

urlpatterns = [
    path("items/", views_items.item_list, name="items"),
    path("items/upload/", views_items.item_upload, name="item_upload"),
    path("items/<uuid:code>/", views_items.item_detail, name="item"),
    path("items/<uuid:code>/confirm/", views_items.item_confirm, name="item_confirm"),
    path("items/<uuid:code>/original/", views_items.item_original, name="item_original"),
    path("items/<uuid:code>/searchable/", views_items.item_searchable, name="item_searchable"),
]

"""Fees URLs: the signed-in member's own fees."""

from django.urls import path

from capuyso.fees import views_mine as views

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/basis/", views.mine_declare, name="mine_declare"),
]

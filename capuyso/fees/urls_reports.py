"""Fees URLs: reports (the cell's fee book, the committee's summary)."""

from django.urls import path

from capuyso.fees import views_reports as views

urlpatterns = [
    path("reports/", views.reports_page, name="reports"),
]

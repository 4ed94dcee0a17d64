"""Fees URLs: reports (owned by one feature)."""

urlpatterns: list = []

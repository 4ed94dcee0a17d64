"""Fees URLs: rules (owned by one feature)."""

urlpatterns: list = []

"""Fees URLs: statements (owned by one feature)."""

urlpatterns: list = []

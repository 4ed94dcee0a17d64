"""Fees URLs: mine (owned by one feature)."""

urlpatterns: list = []

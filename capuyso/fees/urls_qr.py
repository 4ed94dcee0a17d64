"""Fees URLs: qr (owned by one feature)."""

urlpatterns: list = []

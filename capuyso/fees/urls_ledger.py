"""Fees URLs: ledger (owned by one feature)."""

urlpatterns: list = []

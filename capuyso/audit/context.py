"""The current request's client address, for audit rows written deep inside services."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("capuyso_current_ip", default=None)

"""Keeping the anonymous ballot endpoints out of every log (docs/voting.md, "Logs").

The cast and receipt-check endpoints take no identity; they must not leave the caller's
address or the time of the request anywhere either:

- `AnonymousEndpointFilter` drops Django's own log records about them (`django.request`
  logs every 4xx/5xx response with the request attached; `django.server` logs every
  request of `runserver`; the API logs unexpected errors with the path). `install()` puts
  it on those loggers; the API module calls it when it loads.
- `GunicornAccessLogger` is gunicorn's logger without the access-log line for them; run
  gunicorn with `--logger-class capuyso.meetings.ballot_privacy.GunicornAccessLogger`.
- nginx (or any proxy) needs `access_log off;` on the same paths: docs/voting.md.
"""

from __future__ import annotations

import logging
import re

# /api/v1/ballots/<vote code>/cast and /api/v1/ballots/<vote code>/receipt
ANONYMOUS_PATH = re.compile(r"^/api/v\d+/ballots/[^/]+/(cast|receipt)/?$")
# The same path inside a log message's argument ("POST /api/v1/ballots/…/cast HTTP/1.1").
MENTION = re.compile(r"/api/v\d+/ballots/[^/\s]+/(cast|receipt)/?(?=[\s?]|$)")
LOGGERS = ("django.request", "django.server", "capuyso.api.api")


def is_anonymous_path(path: str) -> bool:
    return bool(ANONYMOUS_PATH.match(path or ""))


class AnonymousEndpointFilter(logging.Filter):
    """Drops records about a request to an anonymous ballot endpoint."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None) or getattr(request, "path_info", None)
        if isinstance(path, str) and is_anonymous_path(path):
            return False
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        return not any(isinstance(arg, str) and MENTION.search(arg) for arg in args)


_FILTER = AnonymousEndpointFilter()


def install() -> None:
    """Put the filter on the loggers that mention requests (once; idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


try:  # gunicorn is a production dependency, but keep this module importable without it
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None  # type: ignore[assignment,misc]

if _GunicornLogger is not None:

    class GunicornAccessLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
        """gunicorn's logger, minus the access-log lines of the anonymous endpoints."""

        def access(self, resp, req, environ, request_time):
            if is_anonymous_path(environ.get("PATH_INFO", "")):
                return
            super().access(resp, req, environ, request_time)

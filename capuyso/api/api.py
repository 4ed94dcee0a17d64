"""The versioned JSON API, mounted at /api/v1/ (schema at /api/v1/openapi.json).

Every endpoint needs a bearer token (`capuyso create_api_token USERNAME`) or, for
same-origin browser use, the signed-in session. Errors are JSON: {"detail": "..."} with
401 for a missing or bad credential, 403 for a role without the right, and 404 for an
object that does not exist or belongs to another committee (never 403: a link into
another committee reveals nothing).

The interactive docs are off: ninja's Swagger UI loads from a CDN, and the app runs on
intranets without one. The schema can be opened in any OpenAPI viewer.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from .auth import SessionAuth, TokenAuth

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Cấp ủy số API",
    version="1",
    description=(
        "Send `Authorization: Bearer <token>`; `capuyso create_api_token USERNAME` "
        "prints a token. Objects are identified by their UUID `code`."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=[TokenAuth(), SessionAuth()],
)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = _error(
        request, _("Sign in, or send a valid API token in the Authorization header."), 401
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, _("Your role does not allow this."), 403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, _("Not found."), 404)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    # A malformed code in the path names nothing: answer as for a code that is not there.
    if exc.errors and all(error.get("loc", [None])[0] == "path" for error in exc.errors):
        return not_found(request, exc)
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(Exception)
def server_error(request, exc):
    # Tell Django's error reporting (and the test client) as an unhandled view error would.
    got_request_exception.send(sender=None, request=request)
    logger.error("API error on %s", request.path, exc_info=exc)
    return _error(request, _("Something went wrong on the server. Try again later."), 500)


from . import accounts, documents, jobs, members, org  # noqa: E402 - routers register against `api`

api.add_router("", accounts.router)
api.add_router("", org.router)
api.add_router("", jobs.router)
api.add_router("", documents.router)
api.add_router("", members.router)
api.add_router("", "capuyso.api.ballots.router")
api.add_router("", "capuyso.api.meetings.router")
api.add_router("", "capuyso.api.fees.router")

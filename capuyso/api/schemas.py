"""Schemas shared by several routers. Objects are identified by their UUID `code`."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field, Schema

MAX_LIMIT = 200


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the language of the request.")


# The error statuses every authenticated endpoint can return, for the OpenAPI document.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}
OBJECT_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="At most 200.")
    offset: int = Field(0, ge=0)


def paginate(queryset, params: PageParams) -> dict:
    """{count, limit, offset, items} for one page of an already-scoped queryset."""
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }


class PageMeta(Schema):
    count: int
    limit: int
    offset: int


class CommitteeRef(Schema):
    code: UUID
    slug: str
    name: str
    level: str


class UnitRef(Schema):
    code: UUID
    name: str
    kind: str


class GroupingRef(Schema):
    code: UUID
    name: str


class TermOut(Schema):
    code: UUID
    name: str
    congress: str
    start_date: dt.date
    end_date: dt.date | None


class PositionOut(Schema):
    role: str
    role_label: str
    unit: UnitRef | None
    title: str
    start_date: dt.date
    end_date: dt.date | None

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())


__all__ = [
    "AUTH_ERRORS",
    "MAX_LIMIT",
    "OBJECT_ERRORS",
    "CommitteeRef",
    "ErrorOut",
    "GroupingRef",
    "PageMeta",
    "PageParams",
    "PositionOut",
    "TermOut",
    "UnitRef",
    "paginate",
]


# --- a service's validation errors ---------------------------------------------------------


class FieldError(Schema):
    loc: list[str | int] = Field(description='Where: ["body", "payload", <field>].')
    msg: str
    type: str


class InvalidOut(Schema):
    detail: list[FieldError]


def field_errors(exc: DjangoValidationError, *, names: dict[str, str] | None = None) -> list[dict]:
    """A service's ValidationError in the shape ninja gives a body that fails the schema;
    `names` maps the service's field names to the API's where they differ."""
    names = names or {}
    if hasattr(exc, "error_dict"):
        items = exc.error_dict.items()
    else:
        items = [(NON_FIELD_ERRORS, exc.error_list)]
    errors = []
    for field, errors_of_field in items:
        loc: list[str | int] = ["body", "payload"]
        if field != NON_FIELD_ERRORS:
            loc.append(names.get(field, field))
        for error in errors_of_field:
            errors.extend(
                {"loc": loc, "msg": message, "type": error.code or "invalid"} for message in error
            )
    return errors

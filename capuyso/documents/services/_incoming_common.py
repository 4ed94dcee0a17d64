"""Helpers shared by the incoming-document services (registration and handling)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.documents.models import (
    DocumentEvent,
    IncomingDocument,
)


def _url(document: IncomingDocument) -> str:
    return reverse("documents:incoming_detail", args=[document.code])


def _event(document, kind, actor, *, text="", assignment=None, on_behalf_of=None, **data):
    return DocumentEvent.objects.create(
        committee_id=document.committee_id,
        incoming=document,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        assignment=assignment,
        text=text,
        data=data,
    )


def _check_stale(document, version: int | None) -> None:
    if version is not None and int(version) != document.version:
        raise ValidationError(
            _(
                "Someone else changed this document while you were editing it. "
                "Reload the page to see their changes, then make yours again."
            ),
            code="stale",
        )


def _check_not_past(day: dt.date | None, field: str) -> None:
    if day is not None and day < timezone.localdate():
        raise ValidationError({field: _("The deadline is already past; choose a later date.")})


def _label(document: IncomingDocument) -> str:
    summary = document.summary if not document.summary_withheld else ""
    text = f"{document.reference} {summary}".strip() or document.issuer_name
    return text[:150]

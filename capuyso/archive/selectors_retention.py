"""Reads of the retention list and of disposal review, scoped to the user's committee."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import ArchiveItem, Dossier, RetentionPeriod


def may_configure_retention(user) -> bool:
    return access_for(user).committee_wide(Action.DOCUMENTS_CONFIGURE)


def may_see_disposal(user) -> bool:
    """The office prepares the review list for the meeting; the leaders decide."""
    access = access_for(user)
    return access.committee_wide(Action.DOCUMENTS_APPROVE) or access.committee_wide(
        Action.DOCUMENTS_REGISTER
    )


def may_decide_disposal(user) -> bool:
    return access_for(user).committee_wide(Action.DOCUMENTS_APPROVE)


def retention_periods_for_config(user):
    """The default list and the committee's own rows (retired ones too), each with whether
    a dossier has it."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        return RetentionPeriod.objects.none()
    used = Dossier.objects.filter(retention=OuterRef("pk"), committee_id=access.committee_id)
    return (
        RetentionPeriod.objects.filter(
            Q(committee__isnull=True) | Q(committee_id=access.committee_id)
        )
        .annotate(in_use=Exists(used))
        .order_by("-active", "sort_order", "years", "name")
    )


def get_own_retention_period(user, code) -> RetentionPeriod:
    """One of the committee's own periods, for its administrator. Another committee's row
    is not found (404); a row of the default list is not the committee's to change (403)."""
    access = access_for(user)
    try:
        period = RetentionPeriod.objects.get(
            Q(committee__isnull=True) | Q(committee_id=access.committee_id), code=code
        )
    except (RetentionPeriod.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        raise PermissionDenied
    if period.committee_id is None:
        raise PermissionDenied
    return period


def _count(model, **where):
    rows = (
        model.objects.filter(dossier=OuterRef("pk"), **where)
        .order_by()
        .values("dossier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def disposal_due(committee_id: int | None, *, today: dt.date):
    """Closed dossiers, not disposed of, whose retention ran out before `today`'s year
    (review year < this year), the longest overdue first, each with its counts."""
    from capuyso.documents.models import IncomingDocument

    if committee_id is None:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(
            committee_id=committee_id,
            closed_at__isnull=False,
            disposed_at__isnull=True,
            review_year__isnull=False,
            review_year__lt=today.year,
        )
        .select_related("unit", "retention")
        .annotate(
            overdue_years=ExpressionWrapper(
                Value(today.year - 1) - F("review_year"), output_field=IntegerField()
            ),
            document_count=_count(IncomingDocument),
            item_count=_count(ArchiveItem, disposed_at__isnull=True),
        )
        .order_by("review_year", "year", "file_number")
    )


def disposal_due_for_user(user, *, today: dt.date):
    if not may_see_disposal(user):
        return Dossier.objects.none()
    return disposal_due(access_for(user).committee_id, today=today)


def items_to_dispose(dossier: Dossier):
    """What a disposal of `dossier` would destroy: its items not yet disposed of."""
    return ArchiveItem.objects.filter(
        committee_id=dossier.committee_id, dossier=dossier, disposed_at__isnull=True
    ).order_by("created_at", "pk")

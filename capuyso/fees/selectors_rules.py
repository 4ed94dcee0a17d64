"""Reads of the fee rules for one committee: the platform rows and the committee's own (never
another committee's), and what is in force on a date with where each value comes from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from capuyso.fees import calc
from capuyso.fees.models import (
    BankAccount,
    CellMonthBook,
    FeeGroup,
    FeeRule,
    FeeSettings,
    RetentionRule,
)

PLATFORM = "platform"
COMMITTEE = "committee"


def _scope(committee) -> Q:
    return Q(committee__isnull=True) | Q(committee=committee)


def groups_for(committee, *, active_only: bool = False) -> QuerySet[FeeGroup]:
    """The groups a member of the committee may be in: the platform's and its own."""
    rows = FeeGroup.objects.filter(_scope(committee))
    if active_only:
        rows = rows.filter(is_active=True)
    return rows.order_by("sort_order", "name")


def settings_rows(committee) -> QuerySet[FeeSettings]:
    return FeeSettings.objects.filter(_scope(committee)).order_by("-effective_from")


def rule_rows(committee) -> QuerySet[FeeRule]:
    return (
        FeeRule.objects.filter(_scope(committee))
        .select_related("group")
        .order_by("group__sort_order", "group__name", "-effective_from")
    )


def retention_rows(committee) -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(_scope(committee)).order_by("-effective_from")


def bank_accounts(committee) -> QuerySet[BankAccount]:
    return (
        BankAccount.objects.filter(committee=committee)
        .select_related("cell")
        .order_by("cell__name", "bank_name")
    )


def get_row(model, committee, code, *, own: bool = True):
    """A row by code among the committee's own (or, with own=False, also the platform's);
    404 otherwise."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    rows = (
        model.objects.filter(committee=committee)
        if own
        else model.objects.filter(_scope(committee))
    )
    try:
        return rows.get(code=code)
    except (model.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def closed_month_list(committee) -> list[dt.date]:
    return sorted(
        set(
            CellMonthBook.objects.filter(
                committee=committee, status=CellMonthBook.Status.CLOSED
            ).values_list("month", flat=True)
        )
    )


def covers_closed(row: Any, closed: list[dt.date], until: dt.date | None = None) -> bool:
    """Does the row's range cover one of the closed months (the row was used by it)?"""
    end = until if until is not None else getattr(row, "effective_until", None)
    return any(m >= row.effective_from and (end is None or m <= end) for m in closed)


@dataclass
class InForce:
    value: Any
    origin: str  # PLATFORM or COMMITTEE

    @property
    def from_committee(self) -> bool:
        return self.origin == COMMITTEE


def _origin(row) -> InForce | None:
    if row is None:
        return None
    return InForce(row, COMMITTEE if row.committee_id else PLATFORM)


def settings_in_force(committee, day: dt.date) -> FeeSettings | None:
    return calc.pick_in_force(
        list(FeeSettings.objects.filter(_scope(committee), effective_from__lte=day)),
        day,
        committee.pk,
    )


def in_force_on(committee, day: dt.date) -> dict:
    """What applies on `day`: settings, retention shares and each group's rule, each with its
    origin (platform or this committee). A group with no rule in force has rule None."""
    settings_row = settings_in_force(committee, day)
    retention = calc.pick_in_force(
        list(RetentionRule.objects.filter(_scope(committee), effective_from__lte=day)),
        day,
        committee.pk,
    )
    rules = calc.rules_by_group(
        list(FeeRule.objects.filter(_scope(committee), effective_from__lte=day)),
        day,
        committee.pk,
    )
    groups = [
        {"group": group, "rule": _origin(rules.get(group.pk))}
        for group in groups_for(committee, active_only=True)
    ]
    return {
        "day": day,
        "settings": _origin(settings_row),
        "retention": _origin(retention),
        "groups": groups,
    }

"""Gapless, unique numbers: arrival numbers and outgoing document numbers.

A number is taken from a `RegistryCounter` row locked with SELECT … FOR UPDATE inside the
caller's transaction, so the number and the document that carries it commit or roll back
together: no gaps, no duplicates, on PostgreSQL and on SQLite (IMMEDIATE transactions).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from capuyso.documents.models import Registry, RegistryCounter
from capuyso.org.models import Term


def outgoing_period(registry: Registry, day: dt.date) -> str:
    """The numbering period a day falls in: the committee term, or the year."""
    if registry.numbering_scope == Registry.Scope.TERM:
        term = (
            Term.objects.filter(
                committee_id=registry.committee_id, unit__isnull=True, start_date__lte=day
            )
            .exclude(end_date__lt=day)
            .order_by("-start_date")
            .first()
        )
        if term is not None:
            return f"term-{term.pk}"
    return str(day.year)


def next_number(registry: Registry, *, period: str, sequence: str = "") -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that uses the number")
    counter = (
        RegistryCounter.objects.select_for_update()
        .filter(registry=registry, period=period, sequence=sequence)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                counter = RegistryCounter.objects.create(
                    registry=registry, period=period, sequence=sequence, last_number=0
                )
        except IntegrityError:
            # Another transaction created it first; wait for its lock.
            counter = RegistryCounter.objects.select_for_update().get(
                registry=registry, period=period, sequence=sequence
            )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number

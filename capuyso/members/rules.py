"""Which membership rules are in force for a committee on a day."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from capuyso.members.models import MembershipRules


def rules_on(committee, day: dt.date) -> MembershipRules:
    """The rules row in force on `day`: the latest row effective by then among the
    committee's own rows and the platform-wide ones; on the same date the committee's row
    wins. A deployment always has a platform row (seeded by a migration)."""
    committee_id = getattr(committee, "pk", committee)
    rows = MembershipRules.objects.filter(effective_from__lte=day).filter(
        Q(committee_id=committee_id) | Q(committee__isnull=True)
    )
    # Committee rows sort before platform rows of the same date (NULLs last on both DBs).
    row = rows.order_by("-effective_from", F("committee_id").asc(nulls_last=True)).first()
    if row is None:
        raise MembershipRules.DoesNotExist("No membership rules are in force on this date.")
    return row


def parse_day_month(text: str, year: int) -> dt.date:
    """'19/05' → 19 May of `year`."""
    day, month = (int(part) for part in text.split("/"))
    return dt.date(year, month, day)


def award_dates(rules: MembershipRules, year: int) -> list[dt.date]:
    return sorted(parse_day_month(text, year) for text in rules.badge_award_days)

"""Membership rules and working-day calendar corrections, edited by the tenant administrator.

Rules are effective-dated rows: a change is a new row from a date on, so past decisions keep
the rule they were made under. A row already in force is never edited or deleted; a row that
starts in the future can still be corrected or withdrawn.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.members.models import MembershipRules
from capuyso.org.models import CalendarDay

RULE_FIELDS = (
    "effective_from",
    "probation_months",
    "recognition_working_days",
    "recognition_notice_days",
    "transfer_working_days",
    "badge_milestones",
    "badge_award_days",
    "early_award_split_years",
    "early_award_months_lower",
    "early_award_months_upper",
    "posthumous_early_months",
    "legal_basis",
)


def may_configure(actor, committee) -> bool:
    return access_for(actor).can(Action.MEMBERS_CONFIGURE, committee_id=committee.pk)


def _require(actor, committee) -> None:
    if not may_configure(actor, committee):
        raise PermissionDenied


def _check_rules(values: dict) -> None:
    errors = {}
    milestones = values["badge_milestones"]
    if not milestones or any(not isinstance(m, int) or m <= 0 for m in milestones):
        errors["badge_milestones"] = ValidationError(
            _("List the badge milestones as whole numbers of years, for example 30, 40, 45."),
            code="milestones",
        )
    elif sorted(set(milestones)) != list(milestones):
        errors["badge_milestones"] = ValidationError(
            _("List each milestone once, from the smallest to the largest."), code="milestones"
        )
    days = values["badge_award_days"]
    try:
        parsed = [dt.datetime.strptime(day, "%d/%m") for day in days]  # noqa: DTZ007
    except (TypeError, ValueError):
        parsed = None
    if not days or parsed is None:
        errors["badge_award_days"] = ValidationError(
            _("List the award days as dd/mm, for example 03/02, 19/05, 02/09, 07/11."),
            code="award_days",
        )
    if values["probation_months"] == 0:
        errors["probation_months"] = ValidationError(
            _("Probation lasts at least one month."), code="min"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rules_save(*, actor, committee, rules: MembershipRules | None, values: dict) -> MembershipRules:
    """Add a committee rules row (rules=None) or correct one that is not yet in force."""
    _require(actor, committee)
    today = timezone.localdate()
    if rules is not None:
        rules = MembershipRules.objects.select_for_update().get(pk=rules.pk)
        if rules.committee_id != committee.pk:
            raise PermissionDenied
        if rules.effective_from <= today:
            raise ValidationError(
                _("These rules are already in force; add new rules from a later date instead."),
                code="in_force",
            )
    if values["effective_from"] <= today and rules is not None:
        raise ValidationError(
            {
                "effective_from": ValidationError(
                    _("Corrected rules must still take effect on a future date."), code="past"
                )
            }
        )
    _check_rules(values)
    before = {f: getattr(rules, f) for f in RULE_FIELDS} if rules else None
    row = rules or MembershipRules(committee=committee)
    for field in RULE_FIELDS:
        setattr(row, field, values[field])
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError(
            {
                "effective_from": ValidationError(
                    _("There are already rules from this date; correct those instead."),
                    code="duplicate",
                )
            }
        ) from exc
    changes = {
        f: [str(before[f]) if before else None, str(values[f])]
        for f in RULE_FIELDS
        if not before or before[f] != values[f]
    }
    audit_record(
        actor=actor,
        verb=Verb.UPDATE if before else Verb.CREATE,
        obj=row,
        committee=committee,
        changes=changes,
    )
    return row


@transaction.atomic
def rules_withdraw(*, actor, committee, rules: MembershipRules) -> None:
    _require(actor, committee)
    if rules.committee_id != committee.pk:
        raise PermissionDenied
    if rules.effective_from <= timezone.localdate():
        raise ValidationError(
            _("These rules are already in force and are kept for the record."), code="in_force"
        )
    audit_record(actor=actor, verb=Verb.DELETE, obj=rules, committee=committee)
    rules.delete()


@transaction.atomic
def calendar_day_save(
    *, actor, committee, date: dt.date, is_working_day: bool, note: str
) -> CalendarDay:
    """Correct the holiday calendar for one date (an extra day off, or a working Saturday)."""
    _require(actor, committee)
    note = note.strip()
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Say why, for example the announcement."), code="required")}
        )
    row, created = CalendarDay.objects.update_or_create(
        committee=committee,
        date=date,
        defaults={"is_working_day": is_working_day, "note": note[:160]},
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE if created else Verb.UPDATE,
        obj=row,
        committee=committee,
        changes={"date": date.isoformat(), "working_day": is_working_day, "note": note},
    )
    return row


@transaction.atomic
def calendar_day_remove(*, actor, committee, row: CalendarDay) -> None:
    _require(actor, committee)
    if row.committee_id != committee.pk:
        raise PermissionDenied
    audit_record(actor=actor, verb=Verb.DELETE, obj=row, committee=committee)
    row.delete()

"""Vote thresholds edited by the administrator: a change is a committee row in force from a
date on; rows already in force are kept for the record, future ones can be withdrawn."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.meetings.models import VoteRule


def may_configure(actor, committee) -> bool:
    return access_for(actor).can(Action.MEMBERS_CONFIGURE, committee_id=committee.pk)


def known_codes() -> dict[str, str]:
    """The vote types the platform defines (code → label of the platform row)."""
    rows = VoteRule.objects.filter(committee__isnull=True).order_by("code", "-effective_from")
    codes: dict[str, str] = {}
    for row in rows:
        codes.setdefault(row.code, row.label)
    return codes


@transaction.atomic
def vote_rule_add(
    *,
    actor,
    committee,
    code: str,
    effective_from: dt.date,
    numerator: int,
    denominator: int,
    strict: bool,
    base: str,
    legal_basis: str = "",
) -> VoteRule:
    if not may_configure(actor, committee):
        raise PermissionDenied
    codes = known_codes()
    errors = {}
    if code not in codes:
        errors["code"] = ValidationError(_("Choose a vote type."), code="unknown_code")
    if denominator <= 0 or numerator <= 0 or numerator > denominator:
        errors["numerator"] = ValidationError(
            _("The threshold is a fraction between 0 and 1, for example 2/3."),
            code="fraction",
        )
    if base not in VoteRule.Base.values:
        errors["base"] = ValidationError(_("Choose what the votes are counted against."))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            row = VoteRule.objects.create(
                committee=committee,
                code=code,
                label=codes[code],
                effective_from=effective_from,
                numerator=numerator,
                denominator=denominator,
                strict=strict,
                base=base,
                legal_basis=legal_basis.strip()[:255],
            )
    except IntegrityError as exc:
        raise ValidationError(
            {
                "effective_from": ValidationError(
                    _("This vote type already has a rule from this date."), code="duplicate"
                )
            }
        ) from exc
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=row,
        committee=committee,
        changes={
            "code": code,
            "threshold": f"{'>' if strict else '≥'} {numerator}/{denominator}",
            "base": base,
            "effective_from": effective_from.isoformat(),
        },
    )
    return row


@transaction.atomic
def vote_rule_withdraw(*, actor, committee, rule: VoteRule) -> None:
    if not may_configure(actor, committee) or rule.committee_id != committee.pk:
        raise PermissionDenied
    if rule.effective_from <= timezone.localdate():
        raise ValidationError(
            _("This rule is already in force and is kept for the record."), code="in_force"
        )
    audit_record(actor=actor, verb=Verb.DELETE, obj=rule, committee=committee)
    rule.delete()

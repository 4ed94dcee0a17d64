"""Fee settings, groups, rules, retention shares and bank accounts, edited by the committee's
administrator (FEES_CONFIGURE over the whole committee).

Rows are effective-dated; platform rows (committee empty, seeded from Quy định 01-QĐ/TW) are
overridden by a committee's own rows from their date on (calc.pick_in_force). The committee
only ever writes its own rows.

One invariant keeps closed months honest: **the closed months a row covers never change.** A
cell month book that is closed was computed with the rows in force then; so a new row may not
cover a closed month, a row that covers one cannot be corrected (only ended, at or after its
last closed month, or superseded by a row from a later date), and an unused row may be
corrected freely as long as its new dates cover no closed month.

Two rules of one group and scope never overlap, nor do two retention rows of one scope; the
check runs with the committee row locked (SELECT … FOR UPDATE), so two simultaneous saves
cannot both pass it. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.fees.access import may_configure
from capuyso.fees.models import (
    BankAccount,
    CellMonthBook,
    FeeBasis,
    FeeGroup,
    FeeRule,
    FeeSettings,
    RetentionRule,
)
from capuyso.org.models import Committee, Unit

SETTINGS_FIELDS = (
    "effective_from",
    "rounding_unit",
    "rounding_mode",
    "basis_min",
    "basis_max",
    "exemption_party_age_years",
    "reduction_percents",
    "max_reduction_months",
    "unpaid_months_threshold",
    "legal_basis",
)
GROUP_FIELDS = ("slug", "name", "basis_kind", "sort_order", "is_active")
RULE_FIELDS = (
    "group",
    "effective_from",
    "effective_until",
    "rate_bp",
    "fixed_amount",
    "legal_basis",
)
RETENTION_FIELDS = (
    "effective_from",
    "effective_until",
    "cell_keeps_bp",
    "committee_keeps_bp",
    "legal_basis",
)
BANK_FIELDS = ("cell", "bank_bin", "bank_name", "account_number", "account_name", "is_active")

MAX_FIXED_AMOUNT = 10_000_000
MAX_ROUNDING_UNIT = 100_000
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[0-9A-Z]{1,19}")


# --- Helpers -------------------------------------------------------------------------------


def _require(actor, committee) -> None:
    if actor is None:
        return  # scripts and migrations
    if getattr(actor, "committee_id", None) != committee.pk or not may_configure(actor):
        raise PermissionDenied


def _lock(committee) -> None:
    """Serialise the committee's configuration writes (and the overlap checks)."""
    Committee.objects.select_for_update().filter(pk=committee.pk).first()


def _error(field: str | None, message: str, code: str) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _d(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "…"


def closed_months(committee_id: int, start: dt.date, end: dt.date | None) -> list[dt.date]:
    """The months with a closed cell book of the committee whose first day is in
    [start, end] (end None: open)."""
    rows = CellMonthBook.objects.filter(
        committee_id=committee_id, status=CellMonthBook.Status.CLOSED, month__gte=start
    )
    if end is not None:
        rows = rows.filter(month__lte=end)
    return sorted(set(rows.values_list("month", flat=True)))


def _check_closed(
    committee_id: int,
    before: tuple[dt.date, dt.date | None] | None,
    after: tuple[dt.date, dt.date | None],
    field: str = "effective_from",
) -> None:
    """Refuse when the closed months covered by the new range differ from the old one's."""
    old = closed_months(committee_id, *before) if before else []
    new = closed_months(committee_id, *after)
    if old == new:
        return
    if not old:
        raise _error(
            field,
            _(
                "The month %(month)s is closed in a cell's fee book; a change may only take "
                "effect after the last closed month."
            )
            % {"month": f"{new[0]:%m/%Y}"},
            "closed_month",
        )
    last = old[-1]
    raise _error(
        "effective_until" if field == "effective_from" else field,
        _(
            "This row was used by the closed month %(month)s; it can only be ended on or after "
            "%(day)s, or replaced by a row from a later date."
        )
        % {"month": f"{last:%m/%Y}", "day": _d(last)},
        "used_by_closed_month",
    )


def row_used(row) -> bool:
    """Was this committee row in force for a closed month of its committee?"""
    if row.committee_id is None:
        return False
    end = getattr(row, "effective_until", None)
    if isinstance(row, FeeSettings):
        end = _settings_window_end(row.committee_id, row.effective_from, exclude=row.pk)
    return bool(closed_months(row.committee_id, row.effective_from, end))


def _audit(actor, committee, row, verb, changes) -> None:
    audit_record(actor=actor, verb=verb, obj=row, committee=committee, changes=changes)


def _apply(row, fields, values) -> dict[str, Any]:
    before = snapshot(row, fields) if row.pk else None
    for name in fields:
        if name in values:
            setattr(row, name, values[name])
    return before


# --- Fee settings ----------------------------------------------------------------------


def _settings_window_end(committee_id: int, start: dt.date, exclude=None) -> dt.date | None:
    later = FeeSettings.objects.filter(committee_id=committee_id, effective_from__gt=start)
    if exclude is not None:
        later = later.exclude(pk=exclude)
    nxt = later.order_by("effective_from").values_list("effective_from", flat=True).first()
    return nxt - dt.timedelta(days=1) if nxt else None


def _check_settings(values: dict) -> None:
    errors: dict[str, ValidationError] = {}
    unit = values.get("rounding_unit")
    if unit is None or not 1 <= unit <= MAX_ROUNDING_UNIT:
        errors["rounding_unit"] = ValidationError(
            _("Round to a whole number of đồng between 1 and 100.000."), code="rounding_unit"
        )
    if values.get("rounding_mode") not in FeeSettings.RoundingMode.values:
        errors["rounding_mode"] = ValidationError(_("Choose how to round."), code="invalid")
    low, high = values.get("basis_min"), values.get("basis_max")
    if low is None or low < 0:
        errors["basis_min"] = ValidationError(
            _("Enter the smallest accepted amount in đồng."), code="basis_min"
        )
    elif high is None or high <= low:
        errors["basis_max"] = ValidationError(
            _("The largest accepted amount must be above the smallest."), code="basis_bounds"
        )
    years = values.get("exemption_party_age_years")
    if years is None or not 1 <= years <= 100:
        errors["exemption_party_age_years"] = ValidationError(
            _("Enter a party age between 1 and 100 years."), code="party_age"
        )
    percents = values.get("reduction_percents")
    if (
        not isinstance(percents, list)
        or not all(isinstance(p, int) and 1 <= p <= 99 for p in percents)
        or sorted(set(percents)) != percents
    ):
        errors["reduction_percents"] = ValidationError(
            _(
                "List the reductions once each, from the smallest, between 1 and 99 "
                "(e.g. 30, 50, 70)."
            ),
            code="reduction_percents",
        )
    months = values.get("max_reduction_months")
    if months is None or not 1 <= months <= 120:
        errors["max_reduction_months"] = ValidationError(
            _("A reduction lasts between 1 and 120 months."), code="max_reduction_months"
        )
    threshold = values.get("unpaid_months_threshold")
    if threshold is None or not 1 <= threshold <= 12:
        errors["unpaid_months_threshold"] = ValidationError(
            _("Enter between 1 and 12 months."), code="unpaid_months_threshold"
        )
    if not values.get("effective_from"):
        errors["effective_from"] = ValidationError(_("Enter the date."), code="required")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fee_settings_save(
    *, actor, committee, values: dict, row: FeeSettings | None = None
) -> FeeSettings:
    """Add the committee's settings from a date (row None) or correct a row no closed month
    used."""
    _require(actor, committee)
    _lock(committee)
    _check_settings(values)
    start = values["effective_from"]
    before_range = None
    if row is not None:
        row = FeeSettings.objects.select_for_update().get(pk=row.pk)
        if row.committee_id != committee.pk:
            raise PermissionDenied
        end = _settings_window_end(committee.pk, row.effective_from, exclude=row.pk)
        before_range = (row.effective_from, end)
        if closed_months(committee.pk, *before_range):
            raise _error(
                None,
                _(
                    "These settings were used by a closed month; add settings from a later "
                    "date instead."
                ),
                "used_by_closed_month",
            )
    end = _settings_window_end(committee.pk, start, exclude=row.pk if row else None)
    _check_closed(committee.pk, None, (start, end))
    target = row or FeeSettings(committee=committee)
    before = _apply(target, SETTINGS_FIELDS, values)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise _error(
            "effective_from",
            _("There are already settings from this date; correct those instead."),
            "duplicate",
        ) from exc
    after = snapshot(target, SETTINGS_FIELDS)
    _audit(
        actor,
        committee,
        target,
        Verb.UPDATE if before else Verb.CREATE,
        diff(before, after) if before else created(target, SETTINGS_FIELDS),
    )
    return target


# --- Groups -----------------------------------------------------------------------------


@transaction.atomic
def fee_group_save(*, actor, committee, values: dict, group: FeeGroup | None = None) -> FeeGroup:
    """Add a group of the committee's own (e.g. its farmers, with a fixed amount) or correct
    one. The basis kind cannot change once members declared a basis in the group."""
    _require(actor, committee)
    _lock(committee)
    if group is not None:
        group = FeeGroup.objects.select_for_update().get(pk=group.pk)
        if group.committee_id != committee.pk:
            raise PermissionDenied
    slug = (values.get("slug") or "").strip().lower()
    name = " ".join((values.get("name") or "").split())
    errors: dict[str, ValidationError] = {}
    if not _SLUG_RE.fullmatch(slug):
        errors["slug"] = ValidationError(
            _("Use lower-case letters without accents, digits, - or _ (e.g. ngu-dan)."),
            code="slug",
        )
    elif (
        FeeGroup.objects.filter(Q(committee__isnull=True) | Q(committee=committee), slug=slug)
        .exclude(pk=group.pk if group else None)
        .exists()
    ):
        errors["slug"] = ValidationError(
            _("Another group already has this short name."), code="slug_taken"
        )
    if not name:
        errors["name"] = ValidationError(_("Enter the group's name."), code="required")
    kind = values.get("basis_kind")
    if kind not in FeeGroup.BasisKind.values:
        errors["basis_kind"] = ValidationError(_("Choose the basis."), code="invalid")
    elif (
        group is not None
        and kind != group.basis_kind
        and FeeBasis.objects.filter(group=group).exists()
    ):
        errors["basis_kind"] = ValidationError(
            _("Members already declared a basis in this group; add a new group instead."),
            code="in_use",
        )
    if errors:
        raise ValidationError(errors)
    target = group or FeeGroup(committee=committee)
    before = _apply(
        target,
        GROUP_FIELDS,
        {
            "slug": slug,
            "name": name,
            "basis_kind": kind,
            "sort_order": values.get("sort_order") or 0,
            "is_active": values.get("is_active", True),
        },
    )
    target.save()
    after = snapshot(target, GROUP_FIELDS)
    _audit(
        actor,
        committee,
        target,
        Verb.UPDATE if before else Verb.CREATE,
        diff(before, after) if before else created(target, GROUP_FIELDS),
    )
    return target


# --- Dated rows: fee rules and retention shares -------------------------------------------


def _overlapping(model, scope: Q, start, until, exclude=None) -> list:
    rows = model.objects.filter(scope).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=start)
    )
    if until is not None:
        rows = rows.filter(effective_from__lte=until)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.order_by("effective_from"))


def _dated_save(
    *,
    actor,
    committee,
    model,
    fields: tuple[str, ...],
    scope: Q,
    row,
    values: dict,
    supersede: bool,
):
    start, until = values["effective_from"], values.get("effective_until")
    if until is not None and until < start:
        raise _error(
            "effective_until", _("The end date is before the start date."), "end_before_start"
        )
    before_range = None
    if row is not None:
        before_range = (row.effective_from, row.effective_until)
        if closed_months(committee.pk, *before_range):
            changed = [
                name
                for name in fields
                if name not in ("effective_until", "legal_basis")
                and getattr(row, name) != values.get(name, getattr(row, name))
            ]
            if changed:
                raise _error(
                    None,
                    _(
                        "This row was used by a closed month: it can only be ended, or "
                        "replaced by a new row from a later date."
                    ),
                    "used_by_closed_month",
                )
    _check_closed(committee.pk, before_range, (start, until))
    others = _overlapping(model, scope, start, until, exclude=row.pk if row else None)
    ended = None
    if others and supersede and row is None and len(others) == 1:
        previous = others[0]
        if previous.effective_from < start:
            ended = previous  # ended the day before the new row starts
    if others and ended is None:
        first = others[0]
        raise _error(
            "effective_from",
            _(
                "These dates overlap the row in force from %(start)s to %(end)s; end that row "
                "first, or choose dates after it."
            )
            % {"start": _d(first.effective_from), "end": _d(first.effective_until)},
            "overlap",
        )
    if ended is not None:
        _dated_end(
            actor=actor,
            committee=committee,
            model=model,
            fields=fields,
            row=ended,
            until=start - dt.timedelta(days=1),
        )
    target = row or model(committee=committee, created_by=_user(actor))
    before = _apply(target, fields, values)
    target.save()
    after = snapshot(target, fields)
    _audit(
        actor,
        committee,
        target,
        Verb.UPDATE if before else Verb.CREATE,
        diff(before, after) if before else created(target, fields),
    )
    return target


def _dated_end(*, actor, committee, model, fields, row, until: dt.date):
    row = model.objects.select_for_update().get(pk=row.pk)
    if row.committee_id != committee.pk:
        raise PermissionDenied
    if until < row.effective_from:
        raise _error(
            "effective_until", _("The end date is before the start date."), "end_before_start"
        )
    if row.effective_until is not None and until > row.effective_until:
        raise _error(
            "effective_until",
            _("This row already ends on %(day)s; an end date can only come earlier.")
            % {"day": _d(row.effective_until)},
            "not_earlier",
        )
    _check_closed(
        committee.pk,
        (row.effective_from, row.effective_until),
        (row.effective_from, until),
        field="effective_until",
    )
    before = snapshot(row, fields)
    row.effective_until = until
    row.save(update_fields=["effective_until", "updated_at"])
    _audit(actor, committee, row, Verb.UPDATE, diff(before, snapshot(row, fields)))
    return row


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _check_rule(committee, values: dict) -> FeeGroup:
    group = values.get("group")
    errors: dict[str, ValidationError] = {}
    if group is None or group.committee_id not in (None, committee.pk):
        errors["group"] = ValidationError(_("Choose the group."), code="required")
    rate, fixed = values.get("rate_bp"), values.get("fixed_amount")
    if (rate is None) == (fixed is None):
        errors["rate_bp"] = ValidationError(
            _("Enter either a rate or a fixed amount, not both."), code="rate_or_fixed"
        )
    elif rate is not None and not 1 <= rate <= 10_000:
        errors["rate_bp"] = ValidationError(
            _("A rate is between 0,01 % and 100 %."), code="rate_bounds"
        )
    elif fixed is not None and not 0 <= fixed <= MAX_FIXED_AMOUNT:
        errors["fixed_amount"] = ValidationError(
            _("A fixed amount is between 0 and 10.000.000 đ a month."), code="fixed_bounds"
        )
    elif rate is not None and group is not None and group.basis_kind == FeeGroup.BasisKind.FIXED:
        errors["rate_bp"] = ValidationError(
            _("Members of this group declare no amount; give it a fixed amount."),
            code="rate_needs_amount",
        )
    if not values.get("effective_from"):
        errors["effective_from"] = ValidationError(_("Enter the date."), code="required")
    if errors:
        raise ValidationError(errors)
    return group


@transaction.atomic
def fee_rule_save(
    *, actor, committee, values: dict, rule: FeeRule | None = None, supersede: bool = False
) -> FeeRule:
    """Add a committee rule for a group (platform or own) or correct one. Refuses dates that
    overlap another rule of the group and committee — unless `supersede`, which ends the one
    rule in force before the new date the day before it."""
    _require(actor, committee)
    _lock(committee)
    if rule is not None:
        rule = FeeRule.objects.select_for_update().get(pk=rule.pk)
        if rule.committee_id != committee.pk:
            raise PermissionDenied
    group = _check_rule(committee, values)
    return _dated_save(
        actor=actor,
        committee=committee,
        model=FeeRule,
        fields=RULE_FIELDS,
        scope=Q(committee=committee, group=group),
        row=rule,
        values=values,
        supersede=supersede,
    )


@transaction.atomic
def fee_rule_end(*, actor, committee, rule: FeeRule, until: dt.date) -> FeeRule:
    """End a committee rule on `until` (at or after the last closed month that used it)."""
    _require(actor, committee)
    _lock(committee)
    return _dated_end(
        actor=actor, committee=committee, model=FeeRule, fields=RULE_FIELDS, row=rule, until=until
    )


def _check_retention(values: dict) -> None:
    errors = {}
    for name in ("cell_keeps_bp", "committee_keeps_bp"):
        value = values.get(name)
        if value is None or not 0 <= value <= 10_000:
            errors[name] = ValidationError(
                _("A share is between 0 % and 100 %."), code="share_bounds"
            )
    if not values.get("effective_from"):
        errors["effective_from"] = ValidationError(_("Enter the date."), code="required")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def retention_save(
    *, actor, committee, values: dict, row: RetentionRule | None = None, supersede: bool = False
) -> RetentionRule:
    """Add or correct the committee's retention shares (what a cell and the committee keep)."""
    _require(actor, committee)
    _lock(committee)
    if row is not None:
        row = RetentionRule.objects.select_for_update().get(pk=row.pk)
        if row.committee_id != committee.pk:
            raise PermissionDenied
    _check_retention(values)
    return _dated_save(
        actor=actor,
        committee=committee,
        model=RetentionRule,
        fields=RETENTION_FIELDS,
        scope=Q(committee=committee),
        row=row,
        values=values,
        supersede=supersede,
    )


@transaction.atomic
def retention_end(*, actor, committee, row: RetentionRule, until: dt.date) -> RetentionRule:
    _require(actor, committee)
    _lock(committee)
    return _dated_end(
        actor=actor,
        committee=committee,
        model=RetentionRule,
        fields=RETENTION_FIELDS,
        row=row,
        until=until,
    )


# --- Bank accounts ----------------------------------------------------------------------


def normalize_account_number(value: str | None) -> str:
    return re.sub(r"[\s.-]", "", value or "").upper()


@transaction.atomic
def bank_account_save(
    *, actor, committee, values: dict, account: BankAccount | None = None
) -> BankAccount:
    """Add or correct a bank account of the committee (no cell) or of one of its cells. A
    committee or cell has at most one account in use (the one its payment codes name)."""
    _require(actor, committee)
    _lock(committee)
    if account is not None:
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        if account.committee_id != committee.pk:
            raise PermissionDenied
    cell = values.get("cell")
    bank_bin = (values.get("bank_bin") or "").strip()
    number = normalize_account_number(values.get("account_number"))
    name = " ".join((values.get("account_name") or "").split())
    bank_name = " ".join((values.get("bank_name") or "").split())
    active = values.get("is_active", True)
    errors: dict[str, ValidationError] = {}
    if cell is not None and (cell.committee_id != committee.pk or cell.kind != Unit.Kind.CELL):
        errors["cell"] = ValidationError(_("Choose one of the committee's cells."), code="cell")
    if not _BIN_RE.fullmatch(bank_bin):
        errors["bank_bin"] = ValidationError(
            _("The bank's BIN is 6 digits (e.g. 970436 for Vietcombank)."), code="bin"
        )
    if not _ACCOUNT_RE.fullmatch(number):
        errors["account_number"] = ValidationError(
            _("The account number has 1 to 19 letters or digits."), code="account_number"
        )
    if not bank_name:
        errors["bank_name"] = ValidationError(_("Enter the bank's name."), code="required")
    if not name:
        errors["account_name"] = ValidationError(
            _("Enter the account holder's name."), code="required"
        )
    if errors:
        raise ValidationError(errors)
    same = BankAccount.objects.filter(committee=committee, bank_bin=bank_bin, account_number=number)
    if same.exclude(pk=account.pk if account else None).exists():
        raise _error("account_number", _("This account is already recorded."), "duplicate_account")
    if active:
        in_use = BankAccount.objects.filter(committee=committee, cell=cell, is_active=True)
        if in_use.exclude(pk=account.pk if account else None).exists():
            raise _error(
                "is_active",
                _(
                    "Another account is in use for the same holder; stop using it first, so "
                    "payment codes name one account."
                ),
                "active_exists",
            )
    target = account or BankAccount(committee=committee)
    before = _apply(
        target,
        BANK_FIELDS,
        {
            "cell": cell,
            "bank_bin": bank_bin,
            "bank_name": bank_name,
            "account_number": number,
            "account_name": name,
            "is_active": active,
        },
    )
    target.save()
    after = snapshot(target, BANK_FIELDS)
    _audit(
        actor,
        committee,
        target,
        Verb.UPDATE if before else Verb.CREATE,
        diff(before, after) if before else created(target, BANK_FIELDS),
    )
    return target

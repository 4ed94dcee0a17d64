"""Writes of the retention list and of disposal review.

Retention periods: the default list (no committee) is shared; a committee's document
administrator adds, edits and retires the committee's own rows. A period given to a
dossier is never deleted and its number of years never changes (a closed dossier's review
year was counted from it): retire it and add another instead.

Disposal: a closed dossier whose review year has passed is decided on by a leader — keep
it longer, keep it permanently, or dispose of it. Nothing is disposed of without such a
decision. Disposing of a dossier destroys the stored files of its archive items (the
original, the searchable copy, the OCR pages) and their text, takes them out of search,
and keeps the rows — name, size, SHA-256, metadata — as the record of what was destroyed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import (
    ArchiveItem,
    ArchivePage,
    DisposalDecision,
    Dossier,
    RetentionPeriod,
)
from capuyso.archive.search import index_dossier_items
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.search.index import index_object

logger = logging.getLogger(__name__)

PERIOD_FIELDS = ["name", "years", "sort_order", "active"]
DECISION_FIELDS = ["dossier", "outcome", "keep_until_year", "reason", "decision_reference"]
MAX_YEARS = 200
MAX_KEEP_AHEAD = 100  # a "keep longer" decision looks at most this many years ahead


def _error(field: str | None, message: str, code: str) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


# --- retention periods -----------------------------------------------------------------


def _require_configure(actor) -> int:
    access = access_for(actor)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        raise PermissionDenied
    return access.committee_id


def _own(period: RetentionPeriod, committee_id: int) -> None:
    if period.committee_id is None:
        raise _error(
            None,
            _("A period of the default list can't be changed; add the committee's own."),
            "default_period",
        )
    if period.committee_id != committee_id:
        raise PermissionDenied


def _name_taken(name: str, committee_id: int, *, exclude_pk=None) -> bool:
    """Is the name already in the committee's active list (its own rows and the defaults)?
    Compared without case and diacritics, so "10 nam" clashes with "10 năm"."""
    folded = fold(name)
    rows = RetentionPeriod.objects.filter(
        Q(committee__isnull=True) | Q(committee_id=committee_id), active=True
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return any(fold(other) == folded for other in rows.values_list("name", flat=True))


def _clean(name: str, years: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _error("name", _("Enter the period's name, e.g. “15 năm”."), "name_required")
    if years is not None and not 1 <= years <= MAX_YEARS:
        raise _error(
            "years",
            _("Enter a number of years from 1 to %(max)s, or leave it empty for permanent.")
            % {"max": MAX_YEARS},
            "years_invalid",
        )
    return name


def period_in_use(period: RetentionPeriod) -> bool:
    return Dossier.objects.filter(retention=period).exists()


@transaction.atomic
def retention_period_create(
    *, actor, name: str, years: int | None, sort_order: int = 0
) -> RetentionPeriod:
    committee_id = _require_configure(actor)
    name = _clean(name, years)
    if _name_taken(name, committee_id):
        raise _error("name", _("The list already has a period with this name."), "name_taken")
    period = RetentionPeriod.objects.create(
        committee_id=committee_id, name=name, years=years, sort_order=sort_order or 0
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=period,
        changes=created(period, PERIOD_FIELDS),
    )
    return period


@transaction.atomic
def retention_period_update(
    *, actor, period: RetentionPeriod, name: str, years: int | None, sort_order: int = 0
) -> RetentionPeriod:
    committee_id = _require_configure(actor)
    period = RetentionPeriod.objects.select_for_update().get(pk=period.pk)
    _own(period, committee_id)
    name = _clean(name, years)
    if years != period.years and period_in_use(period):
        raise _error(
            "years",
            _(
                "Dossiers have this period: its years can't change. Retire it and add a new "
                "period instead."
            ),
            "period_in_use",
        )
    if period.active and _name_taken(name, committee_id, exclude_pk=period.pk):
        raise _error("name", _("The list already has a period with this name."), "name_taken")
    before = snapshot(period, PERIOD_FIELDS)
    period.name = name
    period.years = years
    period.sort_order = sort_order or 0
    period.save(update_fields=["name", "years", "sort_order", "updated_at"])
    changes = diff(before, snapshot(period, PERIOD_FIELDS))
    if changes:
        audit_record(actor=actor, verb=Verb.UPDATE, obj=period, changes=changes)
    return period


@transaction.atomic
def retention_period_set_active(*, actor, period: RetentionPeriod, active: bool) -> RetentionPeriod:
    """Retire a period (no longer offered; dossiers that have it keep it) or bring it back."""
    committee_id = _require_configure(actor)
    period = RetentionPeriod.objects.select_for_update().get(pk=period.pk)
    _own(period, committee_id)
    if period.active == active:
        return period
    if active and _name_taken(period.name, committee_id, exclude_pk=period.pk):
        raise _error(
            None,
            _("The list already has an active period with this name; rename one first."),
            "name_taken",
        )
    period.active = active
    period.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=period,
        changes={"active": [not active, active]},
    )
    return period


@transaction.atomic
def retention_period_delete(*, actor, period: RetentionPeriod) -> None:
    """Delete a period no dossier ever had (a mistyped row). One in use is only retired."""
    committee_id = _require_configure(actor)
    period = RetentionPeriod.objects.select_for_update().get(pk=period.pk)
    _own(period, committee_id)
    if period_in_use(period):
        raise _error(
            None,
            _("Dossiers have this period: it can't be deleted, only retired."),
            "period_in_use",
        )
    audit_record(
        actor=actor,
        verb=Verb.DELETE,
        obj=period,
        changes={name: [value, None] for name, value in snapshot(period, PERIOD_FIELDS).items()},
    )
    period.delete()


# --- disposal review -------------------------------------------------------------------


def is_due(dossier: Dossier, today: dt.date) -> bool:
    """Closed, not disposed of, and its retention ran out before this year."""
    return (
        dossier.closed_at is not None
        and dossier.disposed_at is None
        and dossier.review_year is not None
        and dossier.review_year < today.year
    )


def _check_decision(dossier, *, outcome, keep_until_year, reason, reference, today):
    if dossier.disposed_at is not None:
        raise _error(None, _("This dossier was already disposed of."), "dossier_disposed")
    if dossier.closed_at is None:
        raise _error(None, _("Only a closed dossier can be decided on."), "not_closed")
    if outcome == DisposalDecision.Outcome.DISPOSE and (
        dossier.retention is None or dossier.retention.permanent
    ):
        raise _error(
            None,
            _("This dossier is kept permanently: it can't be disposed of."),
            "permanent_retention",
        )
    if not is_due(dossier, today):
        raise _error(
            None,
            _(
                "This dossier is not due for review (it was decided on already, or its "
                "retention has not run out)."
            ),
            "not_due",
        )
    if outcome not in DisposalDecision.Outcome.values:
        raise _error("outcome", _("Choose a decision."), "outcome_invalid")
    if not reason:
        raise _error("reason", _("Give the reason for the decision."), "reason_required")
    if outcome == DisposalDecision.Outcome.KEEP and (
        not keep_until_year
        or keep_until_year <= today.year
        or keep_until_year > today.year + MAX_KEEP_AHEAD
    ):
        raise _error(
            "keep_until_year",
            _("Enter the year until which it is kept: after %(year)s.") % {"year": today.year},
            "keep_year_invalid",
        )
    if outcome == DisposalDecision.Outcome.DISPOSE and not reference:
        raise _error(
            "decision_reference",
            _("Enter the reference of the decision that approves the disposal."),
            "reference_required",
        )


@transaction.atomic
def disposal_decide(
    *,
    actor,
    dossier: Dossier,
    outcome: str,
    reason: str,
    keep_until_year: int | None = None,
    decision_reference: str = "",
    today: dt.date | None = None,
) -> DisposalDecision:
    """Record a leader's decision on a dossier due for review. The dossier is locked and
    its state checked again, so a second submit of the same form records nothing."""
    access = access_for(actor)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_APPROVE):
        raise PermissionDenied
    today = today or timezone.localdate()
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("retention")
        .get(pk=dossier.pk)
    )
    if dossier.committee_id != access.committee_id:
        raise PermissionDenied
    reason = (reason or "").strip()
    decision_reference = " ".join((decision_reference or "").split())
    _check_decision(
        dossier,
        outcome=outcome,
        keep_until_year=keep_until_year,
        reason=reason,
        reference=decision_reference,
        today=today,
    )
    if outcome != DisposalDecision.Outcome.KEEP:
        keep_until_year = None
    decision = DisposalDecision.objects.create(
        committee_id=dossier.committee_id,
        dossier=dossier,
        outcome=outcome,
        keep_until_year=keep_until_year,
        reason=reason,
        decision_reference=decision_reference,
        decided_by=actor,
    )
    audit_record(
        actor=actor, verb=Verb.CREATE, obj=decision, changes=created(decision, DECISION_FIELDS)
    )
    before = snapshot(dossier, ["review_year", "disposed_at"])
    if outcome == DisposalDecision.Outcome.KEEP:
        dossier.review_year = keep_until_year
    elif outcome == DisposalDecision.Outcome.PERMANENT:
        dossier.review_year = None
    else:
        dossier.disposed_at = timezone.now()
    dossier.save(update_fields=["review_year", "disposed_at", "updated_at"])
    changes = diff(before, snapshot(dossier, ["review_year", "disposed_at"]))
    changes["decision"] = [None, str(decision.code)]
    audit_record(actor=actor, verb=Verb.UPDATE, obj=dossier, changes=changes)
    if outcome == DisposalDecision.Outcome.DISPOSE:
        _dispose_items(actor=actor, dossier=dossier, decision=decision)
    index_object(dossier)
    return decision


def _dispose_items(*, actor, dossier: Dossier, decision: DisposalDecision) -> None:
    """Mark the dossier's items disposed of, clear their text, stop their OCR, take them
    out of search, and delete their stored files once the transaction has committed (a
    rollback leaves every file in place)."""
    now = dossier.disposed_at
    names: list[str] = []
    items = ArchiveItem.objects.select_for_update().filter(
        committee_id=dossier.committee_id, dossier=dossier, disposed_at__isnull=True
    )
    for item in items:
        files = [name for name in (item.file.name, item.ocr_file.name) if name]
        pages = ArchivePage.objects.filter(item=item).exclude(pdf="")
        files += list(pages.values_list("pdf", flat=True))
        ArchivePage.objects.filter(item=item).update(text="", pdf="")
        item.disposed_at = now
        item.file = ""
        item.ocr_file = ""
        item.text = ""
        if item.ocr_status in (ArchiveItem.OcrStatus.WAITING, ArchiveItem.OcrStatus.RUNNING):
            # a worker holding the item loses its claim and drops what it wrote
            item.ocr_status = ArchiveItem.OcrStatus.NOT_NEEDED
        item.save(
            update_fields=["disposed_at", "file", "ocr_file", "text", "ocr_status", "updated_at"]
        )
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=item,
            changes={
                "disposed_at": [None, now],
                "files_destroyed": files,
                "sha256": item.sha256,
                "decision": str(decision.code),
            },
        )
        names += files
    index_dossier_items(dossier)  # its items leave the search index
    if names:
        transaction.on_commit(lambda: delete_files(names))


def delete_files(names: list[str]) -> list[str]:
    """Delete stored files; returns the names that could not be deleted (logged)."""
    failed = []
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("archive disposal: could not delete %s", name)
            failed.append(name)
    return failed


def disposal_precheck(
    *,
    dossier: Dossier,
    outcome: str,
    reason: str,
    keep_until_year: int | None = None,
    decision_reference: str = "",
    today: dt.date | None = None,
) -> None:
    """The checks of `disposal_decide`, without writing: the confirmation page of a
    disposal is shown only for a decision that would be accepted."""
    _check_decision(
        dossier,
        outcome=outcome,
        keep_until_year=keep_until_year,
        reason=(reason or "").strip(),
        reference=" ".join((decision_reference or "").split()),
        today=today or timezone.localdate(),
    )

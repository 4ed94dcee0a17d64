"""Writes of the archive's dossiers: opening, editing, closing and reopening.

A dossier is closed at year end (the `archive_close_year` command) or earlier by hand when
its matter is finished. Closing fixes its review year: the dossier's year plus the years
of its retention period (none for a permanent period). Filing into a closed dossier is
refused (`check_dossier_open`). Retention periods and disposal live in
`services_retention`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import DisposalDecision, Dossier
from capuyso.archive.search import index_dossier_items
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.search.index import index_object

DOSSIER_FIELDS = ["file_number", "title", "year", "unit", "retention"]
EDIT_FIELDS = ["title", "unit", "retention"]
STATE_FIELDS = ["closed_at", "closed_by", "review_year"]


def _error(field: str | None, message: str, code: str) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _require_register(actor):
    access = access_for(actor)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_REGISTER):
        raise PermissionDenied
    return access


def _check_retention(retention, committee_id: int, *, current=None) -> None:
    """A period of the default list or of the committee's own, still in use (the
    dossier's present period stays valid after it is retired)."""
    if retention is None:
        return
    if retention.committee_id not in (None, committee_id):
        raise _error("retention", _("Choose a retention period of the list."), "retention_invalid")
    if not retention.active and (current is None or retention.pk != current.pk):
        raise _error(
            "retention",
            _("This retention period is no longer in use; choose another."),
            "retention_invalid",
        )


def review_year_for(dossier: Dossier) -> int | None:
    """The year after which a closed dossier comes up for disposal review: its year plus
    the retention years, moved on by a reviewer's last decision (keep longer: that year at
    the earliest; keep permanently: never). None for a permanent period."""
    retention = dossier.retention
    if retention is None or retention.years is None:
        return None
    year = dossier.year + retention.years
    last = dossier.disposal_decisions.order_by("-created_at", "-pk").first()
    if last is None:
        return year
    if last.outcome == DisposalDecision.Outcome.PERMANENT:
        return None
    if last.outcome == DisposalDecision.Outcome.KEEP and last.keep_until_year:
        return max(year, last.keep_until_year)
    return year


def check_dossier_open(dossier: Dossier) -> None:
    """Refuse filing into a closed (or disposed of) dossier. The documents app calls this
    before it files an incoming document; bulk intake before it files an archive item."""
    if dossier.disposed_at is not None:
        raise ValidationError(
            _("This dossier was disposed of; nothing can be filed into it."),
            code="dossier_closed",
        )
    if dossier.closed_at is not None:
        raise ValidationError(
            _("This dossier is closed; choose an open one, or ask the office to reopen it."),
            code="dossier_closed",
        )


@transaction.atomic
def dossier_create(
    *, actor, file_number: str, title: str, year: int, unit=None, retention=None
) -> Dossier:
    """Open a dossier of the committee's yearly file list (the Office keeps the list)."""
    access = _require_register(actor)
    file_number = " ".join((file_number or "").split())
    title = " ".join((title or "").split())
    errors = {}
    if not file_number:
        errors["file_number"] = ValidationError(
            _("Enter the dossier's number in the file list."), code="required"
        )
    if not title:
        errors["title"] = ValidationError(_("Enter the dossier's title."), code="required")
    if not year or year < 1930 or year > 2100:
        errors["year"] = ValidationError(_("Enter a valid year."), code="year_invalid")
    if unit is not None and unit.committee_id != access.committee_id:
        errors["unit"] = ValidationError(_("Choose a unit of this committee."), code="unit_invalid")
    if errors:
        raise ValidationError(errors)
    _check_retention(retention, access.committee_id)
    taken = _error(
        "file_number",
        _("This number is already used in the file list of that year."),
        "number_taken",
    )
    if Dossier.objects.filter(
        committee_id=access.committee_id, year=year, file_number=file_number
    ).exists():
        raise taken
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                committee_id=access.committee_id,
                file_number=file_number,
                title=title,
                title_folded=fold(title),
                year=year,
                unit=unit,
                retention=retention,
                created_by=actor,
            )
    except IntegrityError as exc:  # created by someone else at the same moment
        raise taken from exc
    index_object(dossier)
    audit_record(
        actor=actor, verb=Verb.CREATE, obj=dossier, changes=created(dossier, DOSSIER_FIELDS)
    )
    return dossier


def dossier_version(dossier: Dossier) -> str:
    """The token an edit form carries, to refuse a form made stale by another change."""
    return dossier.updated_at.isoformat() if dossier.updated_at else ""


def _locked(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("retention", "unit")
        .get(pk=dossier.pk)
    )


@transaction.atomic
def dossier_update(
    *,
    actor,
    dossier: Dossier,
    title: str,
    unit=None,
    retention=None,
    reason: str = "",
    version: str | None = None,
) -> Dossier:
    """Change an open dossier's title, unit and retention period. A closed dossier keeps
    its title and unit (they are what was filed); only its retention may change, with a
    reason, and its review year follows. A disposed-of dossier no longer changes."""
    access = _require_register(actor)
    dossier = _locked(dossier)
    if dossier.committee_id != access.committee_id:
        raise PermissionDenied
    if version and version != dossier_version(dossier):
        raise _error(
            None,
            _("Someone changed this dossier in the meantime. Reload the page and try again."),
            "stale",
        )
    if dossier.disposed_at is not None:
        raise _error(None, _("This dossier was disposed of; it can't change."), "dossier_disposed")
    title = " ".join((title or "").split())
    reason = (reason or "").strip()
    if not title:
        raise _error("title", _("Enter the dossier's title."), "required")
    if unit is not None and unit.committee_id != access.committee_id:
        raise _error("unit", _("Choose a unit of this committee."), "unit_invalid")
    _check_retention(retention, access.committee_id, current=dossier.retention)
    closed = dossier.closed_at is not None
    if closed:
        if title != dossier.title or unit != dossier.unit:
            raise _error(
                None,
                _("A closed dossier keeps its title and unit; reopen it to change them."),
                "dossier_closed",
            )
        if retention is None:
            raise _error(
                "retention", _("A closed dossier needs a retention period."), "retention_required"
            )
        if retention != dossier.retention and not reason:
            raise _error(
                "reason",
                _("Give the reason for changing the retention of a closed dossier."),
                "reason_required",
            )
    before = snapshot(dossier, EDIT_FIELDS + ["review_year"])
    dossier.title = title
    dossier.title_folded = fold(title)
    dossier.unit = unit
    dossier.retention = retention
    if closed:
        dossier.review_year = review_year_for(dossier)
    dossier.save(
        update_fields=["title", "title_folded", "unit", "retention", "review_year", "updated_at"]
    )
    changes = diff(before, snapshot(dossier, EDIT_FIELDS + ["review_year"]))
    if not changes:
        return dossier
    if closed and reason:
        changes["reason"] = reason
    index_object(dossier)
    if "unit" in changes:  # the items are found under the dossier's unit
        index_dossier_items(dossier)
    audit_record(actor=actor, verb=Verb.UPDATE, obj=dossier, changes=changes)
    return dossier


def _close(dossier: Dossier, *, actor, now: dt.datetime, how: str) -> None:
    before = snapshot(dossier, STATE_FIELDS)
    dossier.closed_at = now
    dossier.closed_by = actor
    dossier.review_year = review_year_for(dossier)
    dossier.save(update_fields=["closed_at", "closed_by", "review_year", "updated_at"])
    changes = diff(before, snapshot(dossier, STATE_FIELDS))
    changes["how"] = how
    audit_record(actor=actor, verb=Verb.UPDATE, obj=dossier, changes=changes)


@transaction.atomic
def dossier_close(*, actor, dossier: Dossier) -> Dossier:
    """Close a dossier by hand, at any time (a matter finished before the year end)."""
    access = _require_register(actor)
    dossier = _locked(dossier)
    if dossier.committee_id != access.committee_id:
        raise PermissionDenied
    if dossier.closed_at is not None:
        raise _error(None, _("This dossier is already closed."), "already_closed")
    if dossier.retention is None:
        raise _error(
            "retention",
            _("Choose the dossier's retention period before closing it."),
            "retention_required",
        )
    _close(dossier, actor=actor, now=timezone.now(), how="manual")
    return dossier


@transaction.atomic
def dossier_reopen(*, actor, dossier: Dossier, reason: str) -> Dossier:
    """Open a closed dossier again (a paper forgotten, a matter taken up again). Its review
    year is fixed again when it is next closed."""
    access = _require_register(actor)
    dossier = _locked(dossier)
    if dossier.committee_id != access.committee_id:
        raise PermissionDenied
    if dossier.disposed_at is not None:
        raise _error(
            None, _("This dossier was disposed of; it can't be reopened."), "dossier_disposed"
        )
    if dossier.closed_at is None:
        raise _error(None, _("This dossier is open."), "not_closed")
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", _("Give the reason for reopening the dossier."), "reason_required")
    before = snapshot(dossier, STATE_FIELDS)
    dossier.closed_at = None
    dossier.closed_by = None
    dossier.review_year = None
    dossier.save(update_fields=["closed_at", "closed_by", "review_year", "updated_at"])
    changes = diff(before, snapshot(dossier, STATE_FIELDS))
    changes["reason"] = reason
    audit_record(actor=actor, verb=Verb.UPDATE, obj=dossier, changes=changes)
    return dossier


@dataclass
class CloseYearRun:
    committee: str
    year: int
    closed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "committee": self.committee,
            "year": self.year,
            "closed_count": len(self.closed),
            "skipped_count": len(self.skipped),
            "closed": self.closed,
            "skipped": self.skipped,
        }


def _row(dossier: Dossier, **extra) -> dict:
    return {
        "code": str(dossier.code),
        "file_number": dossier.file_number,
        "year": dossier.year,
        "title": dossier.title,
        **extra,
    }


def dossiers_close_year(*, committee, year: int, today: dt.date | None = None) -> CloseYearRun:
    """The year-end close: every open dossier of `year` or an earlier year. Only a year that
    is over may be closed this way (a dossier of the current year is closed by hand). A
    dossier without a retention period is left open and listed, for the office to choose
    one; running it again closes what is left and changes nothing else."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise ValidationError(
            _("The year %(year)s is not over: close its dossiers by hand, one by one.")
            % {"year": year},
            code="year_not_over",
        )
    run = CloseYearRun(committee=committee.slug, year=year)
    pending = Dossier.objects.filter(
        committee=committee, closed_at__isnull=True, year__lte=year
    ).order_by("year", "file_number")
    now = timezone.now()
    for pk in pending.values_list("pk", flat=True):
        with transaction.atomic():
            dossier = (
                Dossier.objects.select_for_update(of=("self",))
                .select_related("retention")
                .filter(pk=pk, closed_at__isnull=True)
                .first()
            )
            if dossier is None:  # closed by someone else meanwhile
                continue
            if dossier.retention is None:
                run.skipped.append(_row(dossier, reason="no_retention"))
                continue
            _close(dossier, actor=None, now=now, how="year_end")
            run.closed.append(_row(dossier, review_year=dossier.review_year))
    return run

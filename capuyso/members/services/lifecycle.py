"""Life-cycle events of a member file: recognition as full member (and failed votes),
exemption from activities, leaving the Party, and periods outside the Party.

Each service locks the member row, checks the right and the rules, writes through
`apply_change` (a dated revision and an audit event) and refuses with a coded
ValidationError, changing nothing. Submitting the same thing twice is harmless: the
second call finds it done and returns it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.members.models import (
    DatePrecision,
    Exemption,
    Gap,
    Member,
    MemberRevision,
    Transfer,
)
from capuyso.members.selectors_lifecycle import (
    MAX_RECOGNITION_VOTES,
    VOTE_FAILED_KEY,
    failed_votes,
    probation_for,
)
from capuyso.members.services.file import (
    apply_change,
    check_open,
    lock_member,
    may_manage,
    snapshot,
)

Status = Member.Status
Kind = MemberRevision.Kind


def _today() -> dt.date:
    return timezone.localdate()


class _Errors:
    """Collects field errors so a form shows every problem at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.errors.setdefault(field, []).append(ValidationError(message, code=code))

    def date(self, field: str, value: dt.date | None, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(field, _("Enter the date."), "required")
        elif value > _today():
            self.add(
                field, _("This date is in the future; check the day, month and year."), "future"
            )

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _locked(actor, member: Member) -> Member:
    locked = lock_member(member)
    if not may_manage(actor, locked):
        raise PermissionDenied
    return locked


def _refresh(member: Member, locked: Member) -> None:
    member.__dict__.update(locked.__dict__)


def _d(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


# --- Recognition as full member ---------------------------------------------------------


@transaction.atomic
def member_recognize(
    *, actor, member: Member, decision_number: str, decision_date: dt.date | None, note: str = ""
) -> MemberRevision:
    """Record the committee's decision recognising a probationary member as full member.

    Full membership takes effect at the end of probation even when the decision comes late
    (rules.md §2); the revision note says how late."""
    locked = _locked(actor, member)
    decision_number = " ".join((decision_number or "").split())
    if (
        locked.status in (Status.FULL, Status.EXEMPT)
        and decision_number
        and locked.full_membership_decision == decision_number
    ):
        done = locked.revisions.filter(kind=Kind.RECOGNIZED).last()
        if done is not None:  # the same decision submitted twice
            _refresh(member, locked)
            return done
    check_open(locked)
    if locked.status != Status.PROBATIONARY:
        raise ValidationError(
            _("%(name)s is not a probationary member (%(status)s); there is nothing to recognise.")
            % {"name": locked.full_name, "status": locked.get_status_display()},
            code="not_probationary",
        )
    errors = _Errors()
    if not decision_number:
        errors.add(
            "decision_number", _("Enter the number of the recognition decision."), "required"
        )
    errors.date("decision_date", decision_date)
    probation = probation_for(locked)
    if decision_date and decision_date <= _today() and decision_date < probation.ends_on:
        errors.add(
            "decision_date",
            _("Probation ends on %(date)s; recognition can only be decided from that day.")
            % {"date": _d(probation.ends_on)},
            "probation_not_over",
        )
    errors.raise_if_any()
    notes = [
        _("Decision %(number)s of %(date)s.")
        % {"number": decision_number, "date": _d(decision_date)}
    ]
    if decision_date > probation.deadline:
        notes.append(
            _("Considered late: the deadline was %(date)s.") % {"date": _d(probation.deadline)}
        )
    if probation.from_admission:
        notes.append(_("No ceremony date: probation counted from the admission decision."))
    if note.strip():
        notes.append(note.strip())
    revision = apply_change(
        actor=actor,
        member=locked,
        kind=Kind.RECOGNIZED,
        effective_on=probation.ends_on,
        changes={
            "status": Status.FULL,
            "status_since": probation.ends_on,
            "full_membership_date": probation.ends_on,
            "full_membership_date_precision": DatePrecision.DAY,
            "full_membership_decision": decision_number,
        },
        note=" ".join(notes),
    )
    _refresh(member, locked)
    return revision


@transaction.atomic
def recognition_vote_failed(
    *, actor, member: Member, vote_date: dt.date | None, note: str = ""
) -> int:
    """Record that the cell's vote on recognition did not reach 2/3; returns how many votes
    have failed so far. After three, the case goes to the committee (rules.md §2). The
    count is kept in the member's history (a revision whose changes carry the count)."""
    locked = _locked(actor, member)
    check_open(locked)
    if locked.status != Status.PROBATIONARY:
        raise ValidationError(
            _("%(name)s is not a probationary member (%(status)s).")
            % {"name": locked.full_name, "status": locked.get_status_display()},
            code="not_probationary",
        )
    errors = _Errors()
    errors.date("vote_date", vote_date)
    errors.raise_if_any()
    probation = probation_for(locked)
    if vote_date < probation.ends_on:
        errors.add(
            "vote_date",
            _("Probation ends on %(date)s; the recognition vote comes after that day.")
            % {"date": _d(probation.ends_on)},
            "probation_not_over",
        )
        errors.raise_if_any()
    previous = failed_votes(locked)
    if any(r.changes.get("vote_date") == vote_date.isoformat() for r in previous):
        return len(previous)  # the same vote submitted twice
    count = len(previous) + 1
    text = _("Recognition vote of %(date)s failed (%(count)s of %(max)s).") % {
        "date": _d(vote_date),
        "count": count,
        "max": MAX_RECOGNITION_VOTES,
    }
    if note.strip():
        text = f"{text} {note.strip()}"
    changes = {VOTE_FAILED_KEY: [count - 1, count], "vote_date": vote_date.isoformat()}
    MemberRevision.objects.create(
        member=locked,
        effective_on=vote_date,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=Kind.UPDATED,
        snapshot=snapshot(locked),
        changes=changes,
        note=text[:255],
    )
    audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes=changes)
    return count


# --- Exemption from activities ----------------------------------------------------------


def _check_exemption_dates(
    errors: _Errors,
    member: Member,
    *,
    applied_on: dt.date | None,
    decision_date: dt.date | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> None:
    errors.date("applied_on", applied_on)
    errors.date("decision_date", decision_date)
    errors.date("starts_on", starts_on)
    if applied_on and decision_date and decision_date < applied_on:
        errors.add(
            "decision_date",
            _("The cell's resolution cannot come before the member's application."),
            "decision_before_application",
        )
    if starts_on and member.full_membership_date and starts_on < member.full_membership_date:
        errors.add(
            "starts_on",
            _("Only a full member can be exempt; full membership began on %(date)s.")
            % {"date": _d(member.full_membership_date)},
            "before_full",
        )
    if starts_on and ends_on and ends_on < starts_on:
        errors.add(
            "ends_on",
            _("The exemption cannot end before it starts."),
            "end_before_start",
        )


@transaction.atomic
def exemption_record(
    *,
    actor,
    member: Member,
    reason: str,
    reason_detail: str = "",
    applied_on: dt.date | None,
    decision_number: str = "",
    decision_date: dt.date | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None = None,
) -> Exemption:
    """Exempt a full member from activities (miễn sinh hoạt) on their application and the
    cell's resolution. The status becomes exempt from `starts_on`; an exemption already
    over when recorded leaves the member full, with both changes in the history."""
    locked = _locked(actor, member)
    decision_number = " ".join((decision_number or "").split())
    same = Exemption.objects.filter(
        member=locked, starts_on=starts_on, decision_date=decision_date, reason=reason
    ).first()
    if same is not None and starts_on is not None:
        _refresh(member, locked)
        return same  # the same resolution submitted twice
    check_open(locked)
    if locked.status == Status.PROBATIONARY:
        raise ValidationError(
            _("A probationary member cannot be exempt from activities."), code="probationary"
        )
    errors = _Errors()
    if reason not in Exemption.Reason.values:
        errors.add("reason", _("Choose the reason: old age, health or other."), "required")
    elif reason == Exemption.Reason.OTHER and not reason_detail.strip():
        errors.add("reason_detail", _("Say what the other reason is."), "required")
    _check_exemption_dates(
        errors,
        locked,
        applied_on=applied_on,
        decision_date=decision_date,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    errors.raise_if_any()
    overlapping = Exemption.objects.filter(member=locked).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if overlapping.exists():
        raise ValidationError(
            {
                "starts_on": ValidationError(
                    _(
                        "These dates overlap an exemption already recorded; end that one "
                        "first or correct the dates."
                    ),
                    code="overlap",
                )
            }
        )
    exemption = Exemption.objects.create(
        member=locked,
        reason=reason,
        reason_detail=reason_detail.strip()[:255],
        applied_on=applied_on,
        decision_number=decision_number[:60],
        decision_date=decision_date,
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, verb=Verb.CREATE, obj=exemption, committee=locked.committee)
    note = _("Resolution %(number)s of %(date)s: %(reason)s.") % {
        "number": decision_number or "—",
        "date": _d(decision_date),
        "reason": exemption.get_reason_display(),
    }
    apply_change(
        actor=actor,
        member=locked,
        kind=Kind.EXEMPTED,
        effective_on=starts_on,
        changes={"status": Status.EXEMPT, "status_since": starts_on},
        note=note,
    )
    if ends_on is not None and ends_on < _today():
        resume = ends_on + dt.timedelta(days=1)
        apply_change(
            actor=actor,
            member=locked,
            kind=Kind.EXEMPTION_ENDED,
            effective_on=resume,
            changes={"status": Status.FULL, "status_since": resume},
            note=note,
        )
    _refresh(member, locked)
    return exemption


@transaction.atomic
def exemption_end(
    *, actor, exemption: Exemption, resume_on: dt.date | None, note: str = ""
) -> Exemption:
    """End an exemption: the member takes part in activities again from `resume_on` and is
    a full member from that day."""
    locked = _locked(actor, exemption.member)
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    if resume_on is not None and exemption.ends_on == resume_on - dt.timedelta(days=1):
        return exemption  # already ended on this day (submitted twice)
    check_open(locked)
    today = _today()
    if exemption.ends_on is not None and exemption.ends_on < today:
        raise ValidationError(
            _("This exemption is already over (until %(date)s).") % {"date": _d(exemption.ends_on)},
            code="not_current",
        )
    errors = _Errors()
    errors.date("resume_on", resume_on)
    if resume_on and resume_on <= exemption.starts_on:
        errors.add(
            "resume_on",
            _("The return date must come after the exemption began (%(date)s).")
            % {"date": _d(exemption.starts_on)},
            "end_before_start",
        )
    errors.raise_if_any()
    old_end = exemption.ends_on
    exemption.ends_on = resume_on - dt.timedelta(days=1)
    exemption.save(update_fields=["ends_on", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=exemption,
        committee=locked.committee,
        changes={"ends_on": [old_end and old_end.isoformat(), exemption.ends_on.isoformat()]},
    )
    if locked.status == Status.EXEMPT:
        apply_change(
            actor=actor,
            member=locked,
            kind=Kind.EXEMPTION_ENDED,
            effective_on=resume_on,
            changes={"status": Status.FULL, "status_since": resume_on},
            note=note.strip(),
        )
    _refresh(exemption.member, locked)
    return exemption


def exemptions_expire(*, today: dt.date | None = None) -> int:
    """Return to full the exempt members whose exemption ended before `today` (an end date
    set when the exemption was recorded). Run daily by `member_reminders`."""
    today = today or _today()
    ended = 0
    candidates = Member.objects.filter(status=Status.EXEMPT, exemptions__ends_on__lt=today)
    for member_id in set(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            member = Member.objects.select_for_update().select_related("cell").get(pk=member_id)
            if member.status != Status.EXEMPT:
                continue
            exemptions = list(member.exemptions.all())
            if not exemptions or any(e.ends_on is None or e.ends_on >= today for e in exemptions):
                continue  # still exempt, or imported as exempt with no record
            resume = max(e.ends_on for e in exemptions) + dt.timedelta(days=1)
            apply_change(
                actor=None,
                member=member,
                kind=Kind.EXEMPTION_ENDED,
                effective_on=resume,
                changes={"status": Status.FULL, "status_since": resume},
            )
            ended += 1
    return ended


# --- Leaving the Party ------------------------------------------------------------------

CLOSING_STATUSES = (Status.STRUCK_OFF, Status.EXPELLED, Status.DECEASED)


@transaction.atomic
def member_close(
    *, actor, member: Member, status: str, on: dt.date | None, decision: str = ""
) -> MemberRevision | None:
    """Strike off, expel or record the death of a member: the record is closed (kept with
    its history, read-only, out of active lists). An open exemption ends that day."""
    locked = _locked(actor, member)
    decision = " ".join((decision or "").split())
    if locked.status == status and locked.closed_on == on and on is not None:
        _refresh(member, locked)
        return None  # already closed this way (submitted twice)
    check_open(locked)
    errors = _Errors()
    if status not in CLOSING_STATUSES:
        errors.add("status", _("Choose: struck off, expelled or deceased."), "required")
    errors.date("on", on)
    if on and on < locked.admission_date:
        errors.add("on", _("This date is before the member's admission."), "before_admission")
    if status in (Status.STRUCK_OFF, Status.EXPELLED) and not decision:
        errors.add("decision", _("Enter the number and date of the decision."), "required")
    errors.raise_if_any()
    if locked.transfers.filter(status=Transfer.Status.PENDING).exists():
        raise ValidationError(
            _("A transfer of this member is still waiting; cancel it before closing the record."),
            code="pending_transfer",
        )
    for exemption in locked.exemptions.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on)):
        exemption.ends_on = max(on, exemption.starts_on)
        exemption.save(update_fields=["ends_on", "updated_at"])
    revision = apply_change(
        actor=actor,
        member=locked,
        kind=Kind.CLOSED,
        effective_on=on,
        changes={
            "status": status,
            "status_since": on,
            "closed_on": on,
            "closing_decision": decision[:120],
        },
        note=decision,
    )
    _refresh(member, locked)
    return revision


# --- Periods outside the Party ----------------------------------------------------------


@transaction.atomic
def gap_record(
    *, actor, member: Member, start: dt.date | None, end: dt.date | None, reason: str
) -> Gap:
    """A period outside the Party (a readmitted member's time struck off or expelled, lost
    contact, between transfers): subtracted from party age."""
    locked = _locked(actor, member)
    reason = " ".join((reason or "").split())
    same = Gap.objects.filter(member=locked, start=start, end=end).first()
    if same is not None and start is not None:
        return same  # submitted twice
    check_open(locked)
    errors = _Errors()
    errors.date("start", start)
    errors.date("end", end)
    if not reason:
        errors.add("reason", _("Say why the member was outside the Party."), "required")
    if start and end and end < start:
        errors.add("end", _("The period cannot end before it starts."), "end_before_start")
    if start and start < locked.admission_date:
        errors.add(
            "start",
            _("The period starts before the admission date (%(date)s).")
            % {"date": _d(locked.admission_date)},
            "before_admission",
        )
    errors.raise_if_any()
    if Gap.objects.filter(member=locked, start__lte=end, end__gte=start).exists():
        raise ValidationError(
            {
                "start": ValidationError(
                    _("This period overlaps one already recorded."), code="overlap"
                )
            }
        )
    gap = Gap.objects.create(member=locked, start=start, end=end, reason=reason[:255])
    audit_record(actor=actor, verb=Verb.CREATE, obj=gap, committee=locked.committee)
    return gap


# --- Daily reminders --------------------------------------------------------------------


def member_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Tell each cell's secretary about probations ending soon, recognitions due and
    overdue, and transfers past their deadline with no receipt; end exemptions whose end
    date has passed. Safe to run many times a day: each (member or transfer, state,
    date) is notified once."""
    from django.urls import reverse

    from capuyso.members.selectors_lifecycle import (
        RecognitionState,
        cell_member_managers,
        committee_member_managers,
        recognition_items,
    )
    from capuyso.members.services.transfers import overdue_transfer_people
    from capuyso.notifications.models import Notification
    from capuyso.notifications.services import notify

    today = today or _today()
    counts = {"upcoming": 0, "due": 0, "overdue": 0, "transfers_overdue": 0}
    counts["exemptions_ended"] = exemptions_expire(today=today)
    people_of: dict[int, list] = {}

    def people_for(cell) -> list:
        if cell.pk not in people_of:
            people = list(cell_member_managers(cell)) or list(
                committee_member_managers(cell.committee_id)
            )
            people_of[cell.pk] = people
        return people_of[cell.pk]

    probationary = (
        Member.objects.filter(status=Status.PROBATIONARY)
        .select_related("cell")
        .order_by("committee_id", "pk")
    )
    by_committee: dict[int, list[Member]] = {}
    for member in probationary.iterator(chunk_size=1000):
        by_committee.setdefault(member.committee_id, []).append(member)
    base_url = reverse("members:recognitions")
    for committee_id, members in by_committee.items():
        for item in recognition_items(members, committee=committee_id, today=today):
            member, probation = item.member, item.probation
            values = {
                "name": member.full_name,
                "cell": member.cell.name,
                "end": _d(probation.ends_on),
                "deadline": _d(probation.deadline),
            }
            if item.state == RecognitionState.OVERDUE:
                kind = Notification.Kind.OVERDUE
                title = (
                    _("Overdue: recognition of %(name)s (%(cell)s) was due by %(deadline)s")
                    % values
                )
            elif item.state == RecognitionState.DUE:
                kind = Notification.Kind.REMINDER
                title = (
                    _(
                        "Probation of %(name)s (%(cell)s) ended on %(end)s: consider recognition "
                        "by %(deadline)s"
                    )
                    % values
                )
            else:
                kind = Notification.Kind.DUE_SOON
                title = (
                    _(
                        "Probation of %(name)s (%(cell)s) ends on %(end)s; recognition is due by "
                        "%(deadline)s"
                    )
                    % values
                )
            created = notify(
                users=people_for(member.cell),
                kind=kind,
                title=title,
                url=f"{base_url}?cell={member.cell.code}",
                dedupe_key=f"recognition:{item.state}:{member.code}:{probation.ends_on}",
            )
            counts[item.state] += len(created)
    overdue = Transfer.objects.filter(
        status=Transfer.Status.PENDING, deadline__lt=today
    ).select_related("member", "from_cell", "created_by")
    for transfer in overdue.iterator(chunk_size=500):
        where = transfer.external_organisation or (
            transfer.to_committee.name if transfer.to_committee_id else ""
        )
        created = notify(
            users=overdue_transfer_people(transfer),
            kind=Notification.Kind.OVERDUE,
            title=_(
                "Overdue transfer: %(name)s has not been received by %(where)s (deadline "
                "%(deadline)s)"
            )
            % {
                "name": transfer.member.full_name,
                "where": where,
                "deadline": _d(transfer.deadline),
            },
            url=reverse("members:transfer_detail", args=[transfer.code]),
            dedupe_key=f"transfer-overdue:{transfer.code}:{transfer.deadline}",
        )
        counts["transfers_overdue"] += len(created)
    return counts

"""The seeder's set-up, helpers and its time-ordered run."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import timezone

from capuyso.accounts import services as account_services
from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.archive.models import Dossier
from capuyso.audit.services import Verb, audit_record, created
from capuyso.core.demo import MERGED_ON, person_name
from capuyso.core.text import fold
from capuyso.documents.access import unit_handlers
from capuyso.documents.demo.clock import DAY_MINUTES, WorkClock
from capuyso.documents.demo.content import (
    COURSES,
    DOSSIERS,
    EVENTS,
    NEW_ISSUERS,
    QUARTERS,
    WORKS,
)
from capuyso.documents.models import (
    Assignment,
    Delegation,
    DocumentEvent,
    DocumentRead,
    DraftVersion,
    IncomingDocument,
    IssuerBody,
    OutgoingDocument,
    OutgoingRecipient,
    Review,
    StoredFile,
)
from capuyso.documents.services import config as config_services
from capuyso.documents.services import incoming as inc
from capuyso.documents.services import outgoing as out
from capuyso.members.models import Member
from capuyso.notifications.models import Notification
from capuyso.org.models import Committee, Position, Unit

Run = Callable[[dt.datetime], None]


@dataclass(order=True)
class Step:
    at: dt.datetime
    seq: int
    run: Run = field(compare=False)


# Rows a step creates get the step's moment: model -> datetime fields to set.
TRACKED = {
    DocumentEvent: ("created_at", "updated_at"),
    Notification: ("created_at", "updated_at"),
    IncomingDocument: ("created_at", "updated_at", "received_at"),
    Assignment: ("created_at", "updated_at"),
    OutgoingDocument: ("created_at", "updated_at"),
    OutgoingRecipient: ("created_at", "updated_at"),
    DraftVersion: ("created_at", "updated_at"),
    StoredFile: ("created_at", "updated_at"),
    Review: ("created_at", "updated_at"),
    DocumentRead: ("created_at", "updated_at", "first_opened_at", "last_opened_at"),
    Delegation: ("created_at", "updated_at"),
}


class SeederBase:
    """People, places and registries of the committee; the plan's steps and their run."""

    def __init__(self, *, committee: Committee, seed: int, scale: float, extra_secretaries: int):
        self.rng = random.Random(seed * 7919 + 17)  # noqa: S311 - demo data, not security
        self.committee = committee
        self.scale = scale
        self.clock = WorkClock()
        self.real_start = timezone.now()
        self.today = timezone.localdate()
        self.anchor = self.clock.backward(self.real_start, 0)
        self.year = timezone.localtime(self.anchor).year
        self.start = self.clock.forward(self.clock.morning(dt.date(self.year, 1, 1)), 0)
        self.steps: list[Step] = []
        self.markers: dict[dt.date, dt.date] = {}  # real deadline -> stand-in date
        self.counters: dict[tuple[str, str], int] = {}
        self.secret_ids: list[int] = []
        self.cancelled_notes: list[tuple[int, dt.datetime]] = []
        self.delegation_week: tuple[dt.date, dt.date] | None = None
        self._load(extra_secretaries)

    def _load(self, extra_secretaries: int) -> None:
        c = self.committee
        users = {u.username: u for u in User.objects.filter(committee=c)}
        self.clerk, self.secretary = users["vanthu"], users["bithu"]
        self.deputy, self.standing = users["phobithu"], users["thuongvu"]
        self.member, self.inspector = users["capuyvien"], users["kiemtra"]
        self.office = config_services.office_of(c)
        organs = {u.kind: u for u in Unit.objects.filter(committee=c, kind__in=Unit.ORGAN_KINDS)}
        self.inspection = organs[Unit.Kind.INSPECTION_COMMISSION]
        # The standing member leads in the name of the Standing Committee when they sit in it.
        standing = organs.get(Unit.Kind.STANDING_COMMITTEE)
        self.standing_unit = (
            standing
            if standing and unit_handlers(standing).filter(pk=self.standing.pk).exists()
            else None
        )
        self.cells = list(
            Unit.objects.filter(
                committee=c, kind=Unit.Kind.CELL, dissolved_on__isnull=True
            ).order_by("sort_order", "name")
        )
        self.types = {t.abbreviation: t for t in config_services.active_types(c)}
        for name, abbreviation in NEW_ISSUERS:
            commune = out.place_name(c)
            full = name if "Thành ủy" in name else f"{name} {commune}"
            if not IssuerBody.objects.filter(committee=c, name_folded=fold(full)).exists():
                config_services.issuer_save(
                    actor=self.clerk, committee=c, name=full, abbreviation=abbreviation
                )
        self.issuers = {
            i.abbreviation: i for i in IssuerBody.objects.filter(committee=c).order_by("pk")
        }
        self.dong_xuan = (
            Committee.objects.filter(parent_id=c.parent_id).exclude(pk=c.pk).order_by("pk").first()
        )
        self.secretaries = self._cell_secretaries(extra_secretaries)
        self.dossiers = {}
        for number, title in DOSSIERS:
            dossier, made = Dossier.objects.get_or_create(
                committee=c,
                year=self.year,
                file_number=number,
                defaults={
                    "title": title,
                    "title_folded": fold(title),
                    "unit": self.office,
                    "created_by": self.clerk,
                },
            )
            self.dossiers[number] = dossier
            if not made:
                continue
            audit_record(
                actor=self.clerk,
                verb=Verb.CREATE,
                obj=dossier,
                changes=created(dossier, ["file_number", "title", "year"]),
            )
        Dossier.objects.filter(pk__in=[d.pk for d in self.dossiers.values()]).update(
            created_at=self.start, updated_at=self.start
        )

    def _cell_secretaries(self, extra: int) -> dict[int, User]:
        """Cell pk -> its secretary: the existing ones, and `extra` more cells given one."""
        found: dict[int, User] = {}
        positions = Position.objects.filter(
            committee=self.committee, role=Role.CELL_SECRETARY, unit__kind=Unit.Kind.CELL
        ).select_related("user")
        for position in positions.exclude(end_date__lt=self.today).order_by("pk"):
            found.setdefault(position.unit_id, position.user)
        candidates = [c for c in self.cells if c.pk not in found]
        chosen = self.rng.sample(candidates, min(extra, len(candidates)))
        for cell in sorted(chosen, key=lambda c: (c.sort_order, c.name)):
            username = "bt." + re.sub(r"[^a-z0-9]", "", fold(cell.name).removeprefix("chi bo "))
            if User.objects.filter(username__iexact=username[:150]).exists():
                continue
            member = (
                Member.objects.filter(cell=cell, status=Member.Status.FULL, user__isnull=True)
                .order_by("pk")
                .first()
            )
            user, _password = account_services.user_create(
                actor=None,
                committee=self.committee,
                username=username[:150],
                full_name=member.full_name if member else person_name(self.rng, Member.Sex.MALE),
                member=member,
                phone=member.phone if member else "",
            )
            account_services.position_assign(
                actor=None,
                user=user,
                role=Role.CELL_SECRETARY,
                unit=cell,
                title="Bí thư Chi bộ",
                start_date=MERGED_ON,
            )
            found[cell.pk] = user
        return found

    def add(self, at: dt.datetime, run: Run) -> dt.datetime:
        self.steps.append(Step(at, len(self.steps), run))
        return at

    def later(self, t: dt.datetime, low: float, high: float, *, slow: bool = True) -> dt.datetime:
        """`t` plus a random span of office minutes. With `slow`, the span shrinks over the
        year: in January the office still took 1–3 days, by November a few hours (the seed)."""
        minutes = self.rng.uniform(low, high)
        if slow:
            minutes *= max(0.35, 2.0 - 0.17 * (timezone.localtime(t).month - 1))
        return self.clock.forward(t, minutes)

    def moment(self, day: dt.date) -> dt.datetime:
        return self.clock.forward(self.clock.morning(day), self.rng.uniform(0, DAY_MINUTES))

    def in_months(self, months: tuple[int, int]) -> dt.datetime | None:
        first = max(dt.date(self.year, months[0], 1), self.start.date())
        last_month_end = dt.date(self.year, months[1], 28)
        last = min(last_month_end, timezone.localtime(self.anchor).date())
        if first > last:
            return None
        day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
        return self.moment(day)

    def fill(self, text: str, at: dt.datetime) -> str:
        local = timezone.localtime(at)
        return text.format(
            y=self.year,
            y1=self.year + 1,
            m=f"{local.month:02d}" if local.month < 3 else local.month,
            q=QUARTERS[(local.month - 1) // 3],
            dang=self.year - 1930,
            qd=self.year - 1944,
            qp=self.year - 1989,
            name=self._person(),
            event=self.rng.choice(EVENTS),
            course=self.rng.choice(COURSES),
            work=self.rng.choice(WORKS),
        )

    def _person(self) -> str:
        sex = Member.Sex.MALE if self.rng.random() < 0.55 else Member.Sex.FEMALE
        return person_name(self.rng, sex)

    def stand_in(self, due: dt.date | None) -> dt.date | None:
        """A deadline the services accept; a past one is replaced at the end."""
        if due is None or due >= self.today:
            return due
        return self.markers.setdefault(due, self.today + dt.timedelta(days=400 + len(self.markers)))

    def settle(self, at, queryset, *fields: str) -> None:
        """Move the fields this step stamped "now" back to the step's moment."""
        for name in fields:
            queryset.filter(**{f"{name}__gte": self.real_start}).update(**{name: at})

    def account_cells(self) -> list[Unit]:
        """Cells with a secretary's account: the demo's own cell first."""
        by_pk = {c.pk: c for c in self.cells}
        return [by_pk[pk] for pk in self.secretaries if pk in by_pk]

    def handler(self, key: str) -> User:
        return {
            "office": self.clerk,
            "standing": self.standing,
            "member": self.member,
            "inspection": self.inspector,
        }[key]

    def occurrences(self, tpl) -> list[dt.datetime]:
        anchor_day = timezone.localtime(self.anchor).date()
        if tpl.every in ("month", "quarter"):
            months = range(1, 13) if tpl.every == "month" else range(3, 13, 3)
            moments = []
            for month in months:
                day = dt.date(self.year, month, self.rng.randint(*tpl.days))
                if self.start.date() <= day <= anchor_day:
                    moments.append(self.moment(day))
            return moments
        if tpl.every == "n":
            return [m for m in (self.in_months(tpl.months) for _ in range(tpl.count)) if m]
        moment = self.in_months(tpl.months)
        return [moment] if moment else []

    def open_copy(self, document, at, user=None) -> None:
        if document is None:
            return
        user = user or self.secretaries.get(document.receiving_unit_id) or self.clerk
        inc.incoming_opened(user=user, document=document)

    def _marks(self) -> list[int]:
        quote = connection.ops.quote_name
        tables = [quote(m._meta.db_table) for m in TRACKED]
        sql = "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {t})" for t in tables)  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [value or 0 for value in cursor.fetchone()]

    def play(self) -> None:
        ids = [self.committee.pk] + ([self.dong_xuan.pk] if self.dong_xuan else [])
        marks = self._marks()
        recent = self.anchor - dt.timedelta(days=2)
        for step in sorted(self.steps):
            if step.at > self.anchor:
                continue
            step.run(step.at)
            after = self._marks()
            for (model, fields), low, high in zip(TRACKED.items(), marks, after, strict=True):
                if high <= low:
                    continue
                values = dict.fromkeys(fields, step.at)
                if model is Notification and step.at < recent:
                    values["read_at"] = min(
                        self.anchor, step.at + dt.timedelta(minutes=self.rng.randint(5, 900))
                    )
                model.objects.filter(pk__gt=low, pk__lte=high, committee_id__in=ids).update(
                    **values
                )
            marks = after

    def finish(self) -> None:
        """Real deadlines back in place of the stand-ins; the paper-handled stubs marked."""
        for real, marker in self.markers.items():
            IncomingDocument.objects.filter(committee=self.committee, due_date=marker).update(
                due_date=real
            )
            Assignment.objects.filter(committee=self.committee, due_date=marker).update(
                due_date=real
            )
            Notification.objects.filter(
                committee=self.committee, title__contains=marker.strftime("%d/%m/%Y")
            ).update(
                title=Replace(
                    "title", Value(marker.strftime("%d/%m/%Y")), Value(real.strftime("%d/%m/%Y"))
                )
            )
        isos = {m.isoformat(): r.isoformat() for r, m in self.markers.items()}
        events = list(
            DocumentEvent.objects.filter(
                committee=self.committee,
                kind__in=[DocumentEvent.Kind.DIRECTED, DocumentEvent.Kind.DEADLINE],
            )
        )
        for event in events:
            data = event.data
            for key in ("old", "new"):
                if data.get(key) in isos:
                    data[key] = isos[data[key]]
            for item in data.get("assignments", []):
                if item.get("due") in isos:
                    item["due"] = isos[item["due"]]
        DocumentEvent.objects.bulk_update(events, ["data"], batch_size=500)
        IncomingDocument.objects.filter(
            pk__in=self.secret_ids, status=IncomingDocument.Status.COMPLETED
        ).update(handled_on_platform=False)
        today = self.today.strftime("%d/%m/%Y")
        for pk, at in self.cancelled_notes:
            IncomingDocument.objects.filter(source_recipient__document_id=pk).update(
                note=Replace(
                    "note", Value(today), Value(timezone.localtime(at).strftime("%d/%m/%Y"))
                )
            )
        for model in (IncomingDocument, OutgoingDocument, Assignment, OutgoingRecipient, Review):
            model.objects.filter(committee=self.committee, updated_at__gte=self.real_start).update(
                updated_at=F("created_at")
            )

"""The plan of the year, and `seed_documents`."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from capuyso.archive.models import Dossier
from capuyso.documents.demo.clock import DAY_MINUTES
from capuyso.documents.demo.content import CELL_INCOMING, INCOMING, RECENT
from capuyso.documents.demo.incoming import IncomingSteps, InPlan
from capuyso.documents.demo.outgoing import OutgoingSteps
from capuyso.documents.models import DocumentRead, IncomingDocument, OutgoingDocument
from capuyso.org.models import Committee, Unit


@dataclass
class DocumentsDemoResult:
    start: dt.date  # the first day of the year seeded
    incoming: Counter
    outgoing: Counter
    cell_copies: int
    dossiers: int
    reads: int
    handling_hours_median: float | None
    seconds: float

    def summary(self) -> str:
        median = "–" if self.handling_hours_median is None else f"{self.handling_hours_median}"
        return _(
            "Documents: %(incoming)s incoming (%(copies)s delivered to cells), %(outgoing)s "
            "outgoing, %(dossiers)s dossiers, %(reads)s read receipts, median handling time "
            "%(median)s h; %(seconds).1f s."
        ) % {
            "incoming": sum(self.incoming.values()),
            "copies": self.cell_copies,
            "outgoing": sum(self.outgoing.values()),
            "dossiers": self.dossiers,
            "reads": self.reads,
            "median": median,
            "seconds": self.seconds,
        }


class Seeder(OutgoingSteps, IncomingSteps):
    """Plans a year of steps, runs them in time order, then puts the real deadlines back."""

    def plan(self) -> None:
        self.plan_delegation()
        items = sorted(
            ((at, tpl) for tpl in INCOMING for at in self.occurrences(tpl)
             if tpl.mode == "secret" or self.rng.random() < self.scale),
            key=lambda item: item[0],
        )  # fmt: skip
        recent_from = self.clock.backward(self.anchor, 60 * DAY_MINUTES)
        for at, tpl in items:
            plan = InPlan(tpl, at, self.fill(tpl.summary, at), self.office, self.clerk)
            if tpl.mode in ("act", "report") and at > recent_from and self.rng.random() < 0.2:
                plan.stop = self.rng.choice(["direct", "progress"])
                plan.escalate = self.rng.random() < 0.5
            self.plan_incoming(plan)
        for back, tpl, stop, flags in RECENT:
            at = self.clock.backward(self.anchor, back)
            plan = InPlan(tpl, at, self.fill(tpl.summary, at), self.office, self.clerk)
            plan.stop, plan.leader = stop, self.secretary
            plan.escalate, plan.extend = "escalate" in flags, "extend" in flags
            plan.demo_cell = "cell" in flags
            self.plan_incoming(plan)
        if self.secretaries:
            village = self.account_cells()[0]
            for tpl in CELL_INCOMING:
                at = self.in_months(tpl.months)
                if at is not None:
                    secretary = self.secretaries[village.pk]
                    plan = InPlan(tpl, at, self.fill(tpl.summary, at), village, secretary)
                    self.plan_cell_incoming(plan)
        self.plan_outgoing()
        self.plan_cell_reports()


def seed_documents(
    *,
    committee_slug: str = "phu-cat",
    seed: int = 2025,
    scale: float = 1.0,
    extra_secretaries: int | None = None,
) -> DocumentsDemoResult:
    """A year of documents for the committee's Office and cells, up to now.

    `scale` thins the recurring correspondence (tests use a fraction); the documents that
    show each state today are always made. `extra_secretaries` cells (8 at full scale) get
    a secretary's account so that read receipts come from more than the demo's own cell.
    """
    if extra_secretaries is None:
        extra_secretaries = max(2, round(8 * scale))
    from capuyso.documents.selectors import figures_for_user

    started = time.monotonic()
    committee = Committee.objects.get(slug=committee_slug)
    seeder = Seeder(
        committee=committee, seed=seed, scale=scale, extra_secretaries=extra_secretaries
    )
    seeder.plan()
    seeder.play()
    seeder.finish()
    incoming = IncomingDocument.objects.filter(committee=committee)
    figures = figures_for_user(seeder.secretary, start=seeder.start.date(), end=seeder.today)
    return DocumentsDemoResult(
        start=seeder.start.date(),
        incoming=Counter(incoming.values_list("status", flat=True)),
        outgoing=Counter(
            OutgoingDocument.objects.filter(committee=committee).values_list("status", flat=True)
        ),
        cell_copies=incoming.filter(receiving_unit__kind=Unit.Kind.CELL).count(),
        dossiers=Dossier.objects.filter(committee=committee, year=seeder.year).count(),
        reads=DocumentRead.objects.filter(committee=committee).count(),
        handling_hours_median=figures.handling_hours_median,
        seconds=time.monotonic() - started,
    )

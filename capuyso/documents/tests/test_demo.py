"""The documents demo: a year of the Office's work, made through the services.

The year is seeded once for the module (on the shared cast, thinned with `scale`) inside a
transaction that is rolled back at the end; each test reads it inside its own savepoint.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from capuyso.audit.services import audit_verify
from capuyso.core.demo import delete_committees
from capuyso.core.testing import Cast, build_cast
from capuyso.documents import demo
from capuyso.documents.models import (
    Assignment,
    Delegation,
    DocumentEvent,
    DocumentRead,
    IncomingDocument,
    OutgoingDocument,
    Secrecy,
)
from capuyso.documents.selectors import distribution_for, figures_for_user, work_for_user
from capuyso.notifications.models import Notification
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db


@dataclass
class Year:
    cast: Cast
    result: demo.DocumentsDemoResult
    started: dt.datetime


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        cast = build_cast()
        started = timezone.now()
        result = demo.seed_documents(scale=0.1, extra_secretaries=1)
        yield Year(cast, result, started)
        transaction.set_rollback(True)


def office_incoming(year):
    return IncomingDocument.objects.filter(
        committee=year.cast.committee, receiving_unit__kind=Unit.Kind.OFFICE
    )


def test_every_incoming_state_is_present_and_the_office_has_open_work(year):
    office = office_incoming(year)
    for status in IncomingDocument.Status.values:
        assert office.filter(status=status).exists(), status
    assert set(
        OutgoingDocument.objects.filter(committee=year.cast.committee).values_list(
            "status", flat=True
        )
    ) == set(OutgoingDocument.Status.values)
    assert office.filter(secrecy=Secrecy.SECRET).exclude(paper_holder="").exists()
    withheld = office.get(secrecy=Secrecy.ULTRA_SECRET)
    assert withheld.summary == "" and withheld.summary_withheld
    assert not withheld.files.exists()
    assert office.exclude(urgency="").exists()
    assert office.filter(reference__endswith="/TU").exists()
    filed = office.filter(status=IncomingDocument.Status.COMPLETED, dossier__isnull=False)
    assert filed.filter(dossier__file_number="01", dossier__year=year.result.start.year).exists()


def test_arrival_numbers_run_one_to_n_in_date_order_in_every_registry(year):
    books = defaultdict(list)
    committees = [year.cast.committee, year.cast.other]
    documents = IncomingDocument.objects.filter(committee__in=committees)
    for registry, year_, number, received in documents.order_by("arrival_number").values_list(
        "registry", "year", "arrival_number", "received_at"
    ):
        books[(registry, year_)].append((number, received))
    assert len(books) > 2  # the Office, the cells, the other committee's Office
    for entries in books.values():
        assert [n for n, _ in entries] == list(range(1, len(entries) + 1))
        times = [t for _, t in entries]
        assert times == sorted(times)


def test_outgoing_numbers_follow_issue_dates_and_a_revoked_number_is_not_given_again(year):
    numbered = OutgoingDocument.objects.filter(
        committee=year.cast.committee, number__isnull=False
    ).order_by("number")
    sequences = defaultdict(list)
    for document in numbered:
        sequences[(document.registry_id, document.period, document.doc_type_id)].append(document)
    for documents in sequences.values():
        assert [d.number for d in documents] == list(range(1, len(documents) + 1))
        dates = [d.issue_date for d in documents]
        assert dates == sorted(dates)
    revoked = numbered.get(status=OutgoingDocument.Status.CANCELLED)
    same_sequence = sequences[(revoked.registry_id, revoked.period, revoked.doc_type_id)]
    assert [d.pk for d in same_sequence if d.number == revoked.number] == [revoked.pk]
    assert any(d.number > revoked.number for d in same_sequence)
    delivered = IncomingDocument.objects.filter(source_recipient__document=revoked)
    assert delivered.exists()
    revoked_on = timezone.localtime(revoked.cancelled_at).strftime("%d/%m/%Y")
    assert all(revoked_on in d.note for d in delivered)
    draft_dropped = OutgoingDocument.objects.get(
        committee=year.cast.committee, status=OutgoingDocument.Status.CANCELLED, number=None
    )
    assert draft_dropped.reference == ""


def test_some_open_documents_are_overdue_and_were_pressed(year):
    today = timezone.localdate()
    overdue = office_incoming(year).filter(
        status__in=IncomingDocument.OPEN_STATUSES, due_date__lt=today
    )
    assert overdue.count() >= 2
    assert Assignment.objects.filter(document__in=overdue, escalated_at__isnull=False).exists()
    extended = DocumentEvent.objects.get(
        incoming__in=overdue, kind=DocumentEvent.Kind.DEADLINE
    )  # moved once, and still late
    assert extended.data["old"] < extended.data["new"] < today.isoformat()
    assert year.result.incoming[IncomingDocument.Status.COMPLETED] > 0


def test_latest_distribution_to_all_cells_is_read_by_some_cells_only(year):
    cells = Unit.objects.filter(committee=year.cast.committee, kind=Unit.Kind.CELL)
    to_all = [
        d
        for d in OutgoingDocument.objects.filter(
            committee=year.cast.committee, status=OutgoingDocument.Status.ISSUED
        ).order_by("-issue_date")
        if set(d.recipients.exclude(unit=None).values_list("unit", flat=True))
        == set(cells.values_list("pk", flat=True))
    ]
    assert to_all
    rows = distribution_for(to_all[0])
    read = [r for r in rows if r.delivered and r.first_read_at]
    unread = [r for r in rows if r.delivered and not r.first_read_at]
    assert read and unread
    for row in read:
        assert row.delivered.received_at <= row.first_read_at <= timezone.now()
    assert DocumentRead.objects.filter(user=year.cast.cell_secretary).exists()


def test_the_demo_cell_secretary_has_open_work_one_part_late(year):
    items = work_for_user(year.cast.cell_secretary)
    assert [i.kind for i in items] == ["assignment", "assignment"]
    assert [i.overdue for i in items] == [True, False]
    waiting = work_for_user(year.cast.secretary)
    assert {"direction", "approval"} <= {i.kind for i in waiting}


def test_figures_over_the_year_give_a_median_handling_time_of_hours(year):
    today = timezone.localdate()
    figures = figures_for_user(year.cast.secretary, start=year.result.start, end=today)
    assert figures.incoming_total > 0 and figures.outgoing_issued > 0
    assert figures.handling_hours_median is not None
    assert 0.5 < figures.handling_hours_median < 72
    assert figures.electronic_share > 50
    assert figures.overdue_open >= 2


def test_every_stamp_is_moved_back_into_the_year_in_the_right_order(year):
    start = timezone.make_aware(dt.datetime.combine(year.result.start, dt.time()))
    for model in (IncomingDocument, OutgoingDocument, Assignment, DocumentEvent, Notification):
        rows = model.objects.filter(committee=year.cast.committee)
        assert not rows.filter(created_at__gte=year.started).exists(), model
        assert not rows.filter(created_at__lt=start).exists(), model
    assert not IncomingDocument.objects.filter(
        due_date__gt=timezone.localdate() + dt.timedelta(days=300)
    ).exists()  # no stand-in deadline left behind
    for document in office_incoming(year).filter(status=IncomingDocument.Status.COMPLETED):
        steps = [document.received_at, document.submitted_at, document.directed_at]
        steps = [t for t in steps if t is not None] + [document.completed_at]
        assert steps == sorted(steps), document
        events = list(document.events.order_by("created_at", "id").values_list("kind", flat=True))
        assert events[0] == DocumentEvent.Kind.REGISTERED and events[-1] == "completed"
    unread = Notification.objects.filter(committee=year.cast.committee, read_at__isnull=True)
    assert unread.exists()
    assert not unread.filter(created_at__lt=timezone.now() - dt.timedelta(days=3)).exists()


def test_the_deputy_directed_in_the_secretary_name_during_a_past_week(year):
    delegation = Delegation.objects.get(committee=year.cast.committee)
    assert delegation.ends_on < timezone.localdate()
    directed = office_incoming(year).filter(directed_on_behalf_of=year.cast.secretary)
    assert directed.exists()
    for document in directed:
        assert document.directed_by == year.cast.deputy
        day = timezone.localtime(document.directed_at).date()
        assert delegation.starts_on <= day <= delegation.ends_on


def test_the_audit_trail_holds_and_the_demo_reset_can_remove_it_all(year):
    assert audit_verify() == []
    delete_committees([year.cast.committee.pk, year.cast.other.pk])
    assert not IncomingDocument.objects.exists()
    assert not OutgoingDocument.objects.exists()

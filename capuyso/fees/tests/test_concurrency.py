"""Closing a cell's month while the month's dues are being computed (PostgreSQL only).

The dues computation and book_close take one lock (refs.lock_committee_fees): a book that
closes while a computation runs waits for it, so its totals hold the dues just computed and no
computation writes into a closed book. SQLite serialises writers (IMMEDIATE transactions):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capuyso_conc \
        .venv/bin/pytest capuyso/fees/tests/test_concurrency.py
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from capuyso.accounts.models import User
from capuyso.core.testing import build_cast
from capuyso.fees.models import CellMonthBook, MonthlyDue
from capuyso.fees.services import books
from capuyso.fees.services.dues import dues_compute
from capuyso.fees.tests import factories as f
from capuyso.org.models import Committee, Unit

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAR = f.month(2026, 3)


def test_closing_waits_for_a_computation_under_way_and_counts_its_dues():
    cast = build_cast()
    f.member_with_basis(cast, "salaried", 7_654_321, full_name="Phạm Văn An")
    f.member_with_basis(cast, "student", full_name="Trịnh Văn Cường")
    committee_pk, cell_pk, secretary_pk = cast.committee.pk, cast.cell.pk, cast.cell_secretary.pk
    computing = threading.Event()
    finished: dict[str, float] = {}
    errors: list[BaseException] = []

    def compute():
        try:
            with transaction.atomic():
                dues_compute(committee=Committee.objects.get(pk=committee_pk), month=MAR)
                computing.set()  # the lock is held until this transaction commits
                time.sleep(1.0)
            finished["compute"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
            computing.set()
        finally:
            connections.close_all()

    def close():
        try:
            assert computing.wait(timeout=30)
            books.book_close(
                actor=User.objects.get(pk=secretary_pk),
                cell=Unit.objects.get(pk=cell_pk),
                month=MAR,
                version=None,
            )
            finished["close"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=compute), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert finished["close"] >= finished["compute"]
    book = CellMonthBook.objects.get(cell_id=cell_pk, month=MAR)
    assert book.status == CellMonthBook.Status.CLOSED
    dues = MonthlyDue.objects.filter(cell_id=cell_pk, month=MAR)
    assert book.due_total == sum(d.amount for d in dues) == 76_543 + 5_000
    assert book.members_count == 2

"""Gapless numbering under real concurrency (PostgreSQL only).

Many clerks registering or issuing at the same instant must each get their own number,
with no error, no duplicate and no gap: the RegistryCounter row is locked with
SELECT … FOR UPDATE inside the transaction that writes the document. SQLite serialises
writers (IMMEDIATE transactions), so the test only means something on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capuyso_conc \
        .venv/bin/pytest capuyso/documents/tests/test_concurrency.py
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from capuyso.accounts.models import User
from capuyso.core.testing import build_cast
from capuyso.documents.models import (
    DocumentType,
    IncomingDocument,
    OutgoingDocument,
    Registry,
    RegistryCounter,
)
from capuyso.documents.services.incoming import incoming_register
from capuyso.documents.services.outgoing import (
    outgoing_approve,
    outgoing_create,
    outgoing_issue,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL (SQLite serialises writers); "
        "set DATABASE_URL=postgres://… to run it",
    ),
    # RolePermission rows come from a migration: keep them for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REGISTRATIONS = 50
ISSUES = 30


def run_together(count: int, work) -> tuple[list, list[BaseException]]:
    """Run work(i) for i in range(count) in `count` threads released at the same moment,
    each on its own database connection. Returns (results in order, exceptions)."""
    barrier = threading.Barrier(count, timeout=30)

    def one(index: int):
        try:
            barrier.wait()
            return work(index)
        finally:
            connections.close_all()  # this thread's connections only

    results: list = [None] * count
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = {pool.submit(one, i): i for i in range(count)}
        for future, index in futures.items():
            try:
                results[index] = future.result(timeout=60)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
    return results, errors


def test_fifty_simultaneous_registrations_get_numbers_one_to_fifty():
    cast = build_cast()
    clerk_pk = cast.clerk.pk
    doc_type_pk = DocumentType.objects.get(committee=cast.committee, abbreviation="CV").pk

    def register(index: int) -> int:
        clerk = User.objects.get(pk=clerk_pk)  # one User (and its memoised access) per thread
        document = incoming_register(
            actor=clerk,
            doc_type=DocumentType.objects.get(pk=doc_type_pk),
            issuer_name="Thành ủy Hà Nội",
            reference=f"{index + 1}-CV/TU",
            summary=f"Công văn số {index + 1} về chuyển đổi số",
        )
        return document.arrival_number

    numbers, errors = run_together(REGISTRATIONS, register)

    assert errors == []
    assert sorted(numbers) == list(range(1, REGISTRATIONS + 1))
    registry = Registry.objects.get(
        committee=cast.committee, kind=Registry.Kind.INCOMING, unit__kind="office"
    )
    assert RegistryCounter.objects.get(registry=registry).last_number == REGISTRATIONS
    assert IncomingDocument.objects.filter(registry=registry).count() == REGISTRATIONS


def test_thirty_simultaneous_issues_of_one_type_get_consecutive_numbers():
    cast = build_cast()
    doc_type = DocumentType.objects.get(committee=cast.committee, abbreviation="CV")
    approved = []
    for index in range(ISSUES):
        draft = outgoing_create(
            actor=cast.clerk,
            doc_type=doc_type,
            summary=f"Về việc triển khai nhiệm vụ số {index + 1}",
            signer=cast.secretary,
            signature_capacity="T/M BAN THƯỜNG VỤ",
            recipients_text="Các chi bộ trực thuộc",
        )
        approved.append(outgoing_approve(actor=cast.secretary, document=draft).pk)
    clerk_pk = cast.clerk.pk

    def issue(index: int) -> int:
        clerk = User.objects.get(pk=clerk_pk)
        document = OutgoingDocument.objects.get(pk=approved[index])
        return outgoing_issue(actor=clerk, document=document).number

    numbers, errors = run_together(ISSUES, issue)

    assert errors == []
    assert sorted(numbers) == list(range(1, ISSUES + 1))
    issued = OutgoingDocument.objects.filter(pk__in=approved)
    assert set(issued.values_list("status", flat=True)) == {OutgoingDocument.Status.ISSUED}
    assert len(set(issued.values_list("reference", flat=True))) == ISSUES
    counter = RegistryCounter.objects.get(
        registry__committee=cast.committee, registry__kind=Registry.Kind.OUTGOING, sequence="CV"
    )
    assert counter.last_number == ISSUES

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min

from bench import dataset as datasets
from bench import documents as bench_documents
from bench.scenarios import SCENARIOS
from capuyso.core.text import fold
from capuyso.documents.models import (
    DocumentType,
    IncomingDocument,
    OutgoingDocument,
    Registry,
    RegistryCounter,
)
from capuyso.documents.services import incoming as incoming_services
from capuyso.documents.services import outgoing as outgoing_services

pytestmark = pytest.mark.django_db

DOCUMENT_SCENARIOS = [s.name for s in SCENARIOS if s.name.startswith("documents.")]


def bench(*args) -> dict[str, dict]:
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "2", *args, stdout=out)
    return {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}


def test_documents_scenarios_time_every_page_and_measure_the_export():
    lines = bench("--only", "documents.")

    build = lines["build.documents.tiny"]
    assert 1500 <= build["documents"] <= 3000 and build["seconds"] >= 0
    assert build["incoming_cells"] > 0 and build["reads"] > 0 and build["assignments"] > 0
    assert len(DOCUMENT_SCENARIOS) >= 9
    for name in DOCUMENT_SCENARIOS:
        line = lines[name]
        assert "error" not in line, line
        assert line["p95_ms"] >= line["p50_ms"] > 0 and line["n"] == 2 and line["queries"] > 0
    for name, _query in bench_documents.PARTIALS:  # the search box's htmx requests
        assert lines[name]["p95_ms"] > 0 and "error" not in lines[name], lines[name]
    export = lines["documents.export.xlsx.incoming"]
    assert "error" not in export, export
    assert export["rows"] > 100 and export["seconds"] >= 0 and export["bytes"] > 0
    # Threads cannot see a dataset inside the test's transaction: said, not hidden.
    assert "transaction" in lines["documents.register.concurrent50"]["error"]


def test_the_clerk_home_and_the_documents_api_are_timed():
    lines = bench("--only", "home.clerk")
    assert lines["home.clerk"]["p95_ms"] > 0
    api = bench("--only", "api.documents")["api.documents.incoming"]
    assert "p95_ms" in api or "error" in api  # the API router is built in parallel


def test_the_dataset_numbers_each_book_without_gaps_and_registering_continues_it():
    dataset = datasets.ensure(datasets.SCALES["tiny"])
    books = (
        IncomingDocument.objects.filter(committee=dataset.committee)
        .order_by()
        .values("registry_id", "year")
        .annotate(n=Count("pk"), first=Min("arrival_number"), last=Max("arrival_number"))
    )
    assert len(books) > 8  # the Office's book and the cells', over several years
    for book in books:
        assert (book["first"], book["last"]) == (1, book["n"]), book
        counter = RegistryCounter.objects.get(
            registry_id=book["registry_id"], period=str(book["year"]), sequence=""
        )
        assert counter.last_number == book["n"]
    outgoing = OutgoingDocument.objects.filter(committee=dataset.committee, number__isnull=False)
    sequences = outgoing.order_by().values("period", "doc_type").annotate(n=Count("pk"))
    sequences = sequences.annotate(last=Max("number"))
    assert all(s["n"] == s["last"] for s in sequences)
    # The denormalised fields are the services' own.
    for document in IncomingDocument.objects.filter(committee=dataset.committee)[:200]:
        assert document.search_folded == incoming_services._search_text(document)
        assert document.reference_folded == fold(document.reference)
    for document in outgoing[:50]:
        assert document.search_folded == outgoing_services._search_text(document)

    office_book = Registry.objects.get(
        committee=dataset.committee, unit__kind="office", kind=Registry.Kind.INCOMING
    )
    year = IncomingDocument.objects.filter(registry=office_book).aggregate(Max("year"))
    before = RegistryCounter.objects.get(registry=office_book, period=str(year["year__max"]))
    document = incoming_services.incoming_register(
        actor=dataset.users["clerk"],
        doc_type=DocumentType.objects.get(committee=dataset.committee, abbreviation="CV"),
        issuer_name="Văn phòng Thành ủy Hà Nội",
        reference="999-CV/VPTU",
        summary="V/v kiểm tra đánh số tiếp theo",
    )
    if document.year == year["year__max"]:
        assert document.arrival_number == before.last_number + 1
    assert set(dataset.picks) == {"incoming_detail", "outgoing_detail", "export_year"}


def test_a_reused_dataset_gets_its_missing_account_and_documents(monkeypatch):
    without_clerk = {k: v for k, v in datasets.ACCOUNTS.items() if k != "clerk"}
    with monkeypatch.context() as patch:
        patch.setattr(datasets, "ACCOUNTS", without_clerk)
        patch.setattr(bench_documents, "ensure", lambda dataset, log=None: None)
        patch.setattr(bench_documents, "picks", lambda dataset: {})
        first = datasets.ensure(datasets.SCALES["tiny"])
    assert "clerk" not in first.users
    assert not IncomingDocument.objects.filter(committee=first.committee).exists()

    again = datasets.ensure(datasets.SCALES["tiny"])

    assert again.built_in_s is None and again.committee == first.committee
    assert again.users["clerk"].positions.get().unit.kind == "office"
    assert again.documents_build["documents"] > 1500
    assert again.picks["incoming_detail"] and again.picks["outgoing_detail"]

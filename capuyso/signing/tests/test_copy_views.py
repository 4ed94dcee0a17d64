"""Electronic copies through the document pages: the Office makes a copy under the seal from
the outgoing or the incoming document page, readers download it — with real PKCS#12 keys."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capuyso.documents import files as doc_files
from capuyso.documents.models import StoredFile
from capuyso.documents.tests.factories import pdf_upload, register
from capuyso.signing import services
from capuyso.signing.models import ElectronicCopy
from capuyso.signing.tests.test_signing_flow import (
    PASS,
    approved,
    keys_ready,  # noqa: F401 - fixture
    prepared,
    trusted,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db


def levels(response) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


def make_url(document) -> str:
    kind = "outgoing" if hasattr(document, "signed_file_id") else "incoming"
    return reverse(f"signing:copy_make_{kind}", args=[document.code])


def download(client, copy: ElectronicCopy):
    return client.get(reverse("signing:copy_download", args=[copy.code]) + "?download=1")


def pdf_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def seal(keys_ready):  # noqa: F811
    return keys_ready[1]


@pytest.fixture
def issued(cast, keys_ready):  # noqa: F811
    signer, seal, _initial = keys_ready
    document = approved(cast)
    prepared(cast, document)
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=signer, secret=PASS
    )
    document = services.issue_signed(
        actor=cast.clerk, document=document, credential=seal, secret=PASS
    )
    document.refresh_from_db()
    return document


@pytest.fixture
def incoming(cast):
    return register(cast, uploads=[pdf_upload("cong-van-den.pdf")])


def post_copy(client, document, seal, *, kind="sao_y", secret=PASS, **extra):
    return client.post(
        make_url(document), {"kind": kind, "credential": seal.code, "secret": secret, **extra}
    )


def page_url(document) -> str:
    kind = "outgoing" if hasattr(document, "signed_file_id") else "incoming"
    return reverse(f"documents:{kind}_detail", args=[document.code])


# --- making a copy -------------------------------------------------------------------------


def test_the_office_copies_an_issued_document_from_its_page(cast, client_for, issued, seal):
    source = issued.signed_file
    before = doc_files.read_verified(source)
    client = client_for(cast.clerk)
    page = client.get(page_url(issued)).content.decode()
    assert make_url(issued) in page and str(seal.code) in page
    response = post_copy(client, issued, seal, kind=ElectronicCopy.Kind.TRUE_COPY)
    assert response.status_code == 302
    assert response.url == page_url(issued) + "#copies"
    assert levels(response) == [messages.SUCCESS]
    copy = ElectronicCopy.objects.get()
    assert (copy.outgoing_id, copy.incoming_id, copy.source_id) == (issued.pk, None, source.pk)
    assert (copy.kind, copy.made_by, copy.credential) == ("sao_y", cast.clerk, seal)
    # The page lists it with its download link.
    page = client.get(page_url(issued)).content.decode()
    link = reverse("signing:copy_download", args=[copy.code])
    assert link in page and copy.copy.original_name in page
    # The downloaded copy verifies: the signer's, the seal's and the copy's signature.
    response = download(client, copy)
    assert response.status_code == 200 and response["Content-Type"] == doc_files.PDF
    assert response["Content-Disposition"].startswith("attachment")
    data = pdf_of(response)
    report = services.verify_bytes(data, cast.committee)
    assert report["verdict"] == "valid", report
    assert [s["field"] for s in report["signatures"]][-1] == "capuyso_ban_sao"
    assert len(report["signatures"]) == 3
    # The issued file is untouched, byte for byte.
    source.refresh_from_db()
    assert doc_files.read_verified(source) == before and data.startswith(before)
    issued.refresh_from_db()
    assert issued.signed_file_id == source.pk


def test_the_office_copies_an_incoming_pdf_from_its_page(cast, client_for, incoming, seal):
    source = incoming.files.get()
    before = doc_files.read_verified(source)
    client = client_for(cast.clerk)
    page = client.get(page_url(incoming)).content.decode()
    assert make_url(incoming) in page
    response = post_copy(client, incoming, seal, kind=ElectronicCopy.Kind.REPRODUCTION)
    assert response.status_code == 302 and levels(response) == [messages.SUCCESS]
    copy = ElectronicCopy.objects.get()
    assert (copy.incoming_id, copy.outgoing_id, copy.source_id) == (incoming.pk, None, source.pk)
    assert copy.kind == "sao_luc"
    assert (
        reverse("signing:copy_download", args=[copy.code])
        in client.get(page_url(incoming)).content.decode()
    )
    data = pdf_of(download(client, copy))
    report = services.verify_bytes(data, cast.committee)
    assert report["verdict"] == "valid", report
    assert [s["field"] for s in report["signatures"]] == ["capuyso_ban_sao"]
    assert doc_files.read_verified(source) == before and data.startswith(before)
    assert list(incoming.files.all()) == [source]  # the copy is not one of the document's files


def test_an_incoming_document_with_two_pdfs_asks_which_one(cast, client_for, seal):
    document = register(cast, uploads=[pdf_upload("a.pdf"), pdf_upload("b.pdf", text="Phụ lục")])
    first, second = document.files.order_by("pk")
    client = client_for(cast.clerk)
    page = client.get(page_url(document)).content.decode()
    assert 'name="source"' in page and str(second.code) in page
    response = post_copy(client, document, seal)  # no file chosen
    assert levels(response) == [messages.ERROR]
    assert not ElectronicCopy.objects.exists()
    client.get(response.url)  # the page shows (and so clears) the message
    response = post_copy(client, document, seal, source=second.code, kind="trich_sao")
    assert levels(response) == [messages.SUCCESS]
    assert ElectronicCopy.objects.get().source == second


def test_a_wrong_passphrase_makes_no_copy(cast, client_for, issued, seal):
    files_before = StoredFile.objects.count()
    response = post_copy(client_for(cast.clerk), issued, seal, secret="sai")
    assert response.status_code == 302
    assert levels(response) == [messages.ERROR]
    assert not ElectronicCopy.objects.exists()
    assert StoredFile.objects.count() == files_before


def test_missing_fields_are_refused_before_any_key_is_opened(cast, client_for, issued, seal):
    client = client_for(cast.clerk)
    for data in (
        {"kind": "sao_y", "credential": seal.code},  # no passphrase
        {"kind": "ban_goc", "credential": seal.code, "secret": PASS},  # no such copy type
        {"kind": "sao_y", "credential": uuid.uuid4(), "secret": PASS},  # not a seal of ours
    ):
        response = client.post(make_url(issued), data)
        assert response.status_code == 302
        assert levels(response) == [messages.ERROR], data
        client.get(response.url)  # the page shows (and so clears) the message
    assert not ElectronicCopy.objects.exists()


def test_a_document_not_yet_issued_cannot_be_copied(cast, client_for, keys_ready):  # noqa: F811
    _signer, seal, _initial = keys_ready
    document = approved(cast)
    prepared(cast, document)
    client = client_for(cast.clerk)
    assert make_url(document) not in client.get(page_url(document)).content.decode()
    response = post_copy(client, document, seal)
    assert response.status_code == 302 and levels(response) == [messages.ERROR]
    assert not ElectronicCopy.objects.exists()


def test_without_a_seal_certificate_the_office_is_told_to_register_one(cast, client_for, incoming):
    page = client_for(cast.clerk).get(page_url(incoming)).content.decode()
    assert make_url(incoming) not in page
    assert reverse("signing:certificates") + "#seal" in page


# --- doors ---------------------------------------------------------------------------------


def test_making_a_copy_refuses_get(cast, client_for, issued, incoming):
    client = client_for(cast.clerk)
    for document in (issued, incoming):
        assert client.get(make_url(document)).status_code == 405
    code = uuid.uuid4()
    for name in ("copy_make_outgoing", "copy_make_incoming"):
        assert client.get(reverse(f"signing:{name}", args=[code])).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client, issued, seal):
    login = reverse("accounts:login")
    response = post_copy(client, issued, seal)
    assert response.status_code == 302 and response.url.startswith(login)
    response = client.get(reverse("signing:copy_download", args=[uuid.uuid4()]))
    assert response.status_code == 302 and response.url.startswith(login)


def test_a_reader_without_the_seal_gets_403(cast, client_for, issued, incoming, seal):
    client = client_for(cast.secretary)
    for document in (issued, incoming):
        page = client.get(page_url(document))
        assert page.status_code == 200  # reads the document…
        assert make_url(document) not in page.content.decode()
        assert post_copy(client, document, seal).status_code == 403  # …but holds no seal
    assert not ElectronicCopy.objects.exists()


def test_outsiders_reach_no_copy_of_another_committee(cast, client_for, issued, incoming, seal):
    post_copy(client_for(cast.clerk), issued, seal)
    copy = ElectronicCopy.objects.get()
    for outsider in (cast.outsider, cast.outsider_clerk):
        client = client_for(outsider)
        for document in (issued, incoming):
            assert post_copy(client, document, seal).status_code == 404
        assert download(client, copy).status_code == 404
    assert ElectronicCopy.objects.count() == 1


def test_copies_are_downloaded_by_those_who_may_read_the_document(
    cast, client_for, issued, incoming, seal
):
    clerk = client_for(cast.clerk)
    post_copy(clerk, issued, seal)
    post_copy(clerk, incoming, seal)
    out_copy = ElectronicCopy.objects.get(outgoing=issued)
    in_copy = ElectronicCopy.objects.get(incoming=incoming)
    reader = client_for(cast.secretary)
    for copy in (out_copy, in_copy):
        response = download(reader, copy)
        assert response.status_code == 200
        assert pdf_of(response) == doc_files.read_verified(copy.copy)
    # A plain member opens neither document, so neither copy.
    member = client_for(cast.member)
    for document, copy in ((issued, out_copy), (incoming, in_copy)):
        assert member.get(page_url(document)).status_code == 403
        assert download(member, copy).status_code == 403
    assert download(reader, ElectronicCopy(code=uuid.uuid4())).status_code == 404


def test_the_list_of_copies_costs_the_same_queries_for_one_or_many(cast, client_for, issued, seal):
    client = client_for(cast.clerk)

    def page_queries() -> int:
        client.get(page_url(issued))  # the first request warms per-process caches
        with CaptureQueriesContext(connection) as queries:
            page = client.get(page_url(issued))
        assert page.status_code == 200
        return len(queries)

    post_copy(client, issued, seal, kind="sao_y")
    one = page_queries()
    post_copy(client, issued, seal, kind="sao_luc")
    post_copy(client, issued, seal, kind="trich_sao")
    assert page_queries() == one
    page = client.get(page_url(issued)).content.decode()
    for copy in ElectronicCopy.objects.all():
        assert reverse("signing:copy_download", args=[copy.code]) in page

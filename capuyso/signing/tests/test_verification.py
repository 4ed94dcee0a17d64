"""Checking signed PDFs: the verdicts of pdf.verify on real pyHanko signatures, the check of
every PDF an incoming document receives, the badge and report on its page, re-checking."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capuyso.audit.models import AuditEvent
from capuyso.documents import files as doc_files
from capuyso.documents.models import IncomingDocument
from capuyso.documents.services import incoming as incoming_svc
from capuyso.documents.services import outgoing as outgoing_svc
from capuyso.documents.tests.factories import register
from capuyso.documents.tests.test_outgoing_services import draft
from capuyso.signing import pdf, services
from capuyso.signing.devpki import DevPKI
from capuyso.signing.models import Verification
from capuyso.signing.tests import signed_pdfs as pdfs

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def signer(dev_pki):
    return dev_pki.issue("Nguyễn Văn An", organization="Đảng ủy xã Phù Cát")


@pytest.fixture(scope="module")
def signed(signer) -> bytes:
    return pdfs.sign(pdfs.document(), signer)


@pytest.fixture
def trusted(dev_pki):
    return pdfs.trust(dev_pki.root)


def only(report: dict) -> dict:
    assert len(report["signatures"]) == 1, report
    return report["signatures"][0]


# --- the verdicts -----------------------------------------------------------------------


def test_a_signature_by_a_trusted_certificate_is_valid(signed, trusted):
    report = pdf.verify(signed, trusted)
    entry = only(report)
    assert report["verdict"] == entry["verdict"] == "valid", report
    assert entry["signer"]["common_name"] == "Nguyễn Văn An"
    assert entry["signer"]["serial"] and "Trung gian" in entry["signer"]["issuer"]
    assert entry["signing_time_source"] == "claimed" and not entry["timestamped"]
    assert entry["level"] == pdf.LEVEL_B_B
    assert entry["coverage"] == "ENTIRE_FILE" and entry["modification_level"] == "NONE"
    # Offline, with no CRL uploaded: revocation is reported as not checked, not as good.
    assert entry["revocation"] == "not_checked"


def test_a_changed_byte_inside_the_signed_range_is_invalid_integrity(signed, trusted):
    report = pdf.verify(pdfs.tamper(signed), trusted)
    assert report["verdict"] == "invalid_integrity"
    assert only(report)["intact"] is False


def test_a_root_the_committee_does_not_trust_gives_untrusted(signed):
    for store in (pdf.TrustStore(), pdfs.trust(DevPKI("Một CA khác").root)):
        report = pdf.verify(signed, store)
        assert report["verdict"] == "untrusted"
        assert only(report)["trust_problem"] == "NO_CERTIFICATE_CHAIN_FOUND"


def test_a_certificate_expired_at_signing_time_gives_expired(dev_pki, trusted):
    expired = dev_pki.issue(
        "Trần Văn Cũ",
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=30),
    )
    report = pdf.verify(pdfs.sign(pdfs.document(), expired), trusted)
    assert report["verdict"] == "expired"
    assert only(report)["certificate_valid_at_signing"] is False


def test_a_certificate_not_yet_valid_at_signing_time_gives_expired(dev_pki, trusted):
    early = dev_pki.issue("Lê Văn Sớm", not_before=NOW + dt.timedelta(days=3), days=30)
    assert pdf.verify(pdfs.sign(pdfs.document(), early), trusted)["verdict"] == "expired"


def test_new_page_content_after_signing_gives_modified_after_signing(signed, trusted):
    report = pdf.verify(pdfs.change_page(signed), trusted)
    entry = only(report)
    assert report["verdict"] == "modified_after_signing"
    assert entry["intact"] is True and entry["modifications_allowed"] is False
    assert entry["modification_level"] == "OTHER"


def test_filling_the_number_fields_after_signing_stays_valid(signer, trusted):
    prepared, with_fields = pdf.add_number_fields(pdfs.document())
    assert with_fields
    filled = pdf.fill_number_fields(
        pdfs.sign(prepared, signer),
        reference_line="Số 09-KH/ĐU",
        date_line="Phú Cát, ngày 05 tháng 01 năm 2026",
    )
    report = pdf.verify(filled, trusted)
    entry = only(report)
    assert report["verdict"] == "valid", report
    assert entry["modification_level"] == "FORM_FILLING" and entry["modifications_allowed"]


def test_a_second_signature_keeps_the_first_valid(signed, dev_pki, trusted):
    both = pdfs.sign(signed, dev_pki.issue("Đỗ Thị Lan"), field="capuyso_con_dau")
    report = pdf.verify(both, trusted)
    assert report["verdict"] == "valid"
    assert [s["field"] for s in report["signatures"]] == ["capuyso_chu_ky", "capuyso_con_dau"]


def test_an_unsigned_pdf_is_unsigned(trusted):
    assert pdf.verify(pdfs.document(), trusted) == {"verdict": "unsigned", "signatures": []}


@pytest.mark.parametrize(
    ("make", "verdict", "code"),
    [
        (lambda signed: b"", "unsigned", "empty"),
        (lambda signed: b"Just some text", "unsigned", "not_pdf"),
        (lambda signed: signed[: len(signed) // 2], "invalid_integrity", "corrupt"),
        (lambda signed: b"%PDF-1.7\n" + bytes(range(256)) * 4, "invalid_integrity", "corrupt"),
        (pdfs.encrypted, "invalid_integrity", "encrypted"),
    ],
    ids=["empty", "not-a-pdf", "truncated", "garbage", "encrypted"],
)
def test_bad_input_gets_a_verdict_and_a_clear_message(signed, trusted, make, verdict, code):
    report = pdf.verify(make(signed), trusted)
    assert report["verdict"] == verdict
    assert report["error_code"] == code
    assert report["error"] and report["signatures"] == []


def test_revocation_is_read_from_an_uploaded_crl():
    pki = DevPKI("Cấp ủy số CA thu hồi")
    kept = pki.issue("Nguyễn Văn Giữ", crl_url="http://crl.invalid/ca.crl")
    revoked = pki.issue("Nguyễn Văn Thu", crl_url="http://crl.invalid/ca.crl")
    kept_pdf = pdfs.sign(pdfs.document(), kept)
    revoked_pdf = pdfs.sign(pdfs.document(), revoked)
    pki.revoke(revoked)
    crl = pki.crl_der()

    # Without the CRL (and offline) nothing can be said about revocation.
    report = pdf.verify(revoked_pdf, pdfs.trust(pki.root))
    assert report["verdict"] == "valid" and only(report)["revocation"] == "not_checked"
    # With it the revoked certificate's signature is not valid; the other one is checked good.
    report = pdf.verify(revoked_pdf, pdfs.trust(pki.root, crls=[crl]))
    entry = only(report)
    assert report["verdict"] == "untrusted" and entry["revocation"] == "revoked"
    assert entry["trusted"] is False and entry["revocation_date"]
    report = pdf.verify(kept_pdf, pdfs.trust(pki.root, crls=[crl]))
    assert report["verdict"] == "valid" and only(report)["revocation"] == "good"


def test_a_certificate_without_a_distribution_point_is_still_checked_against_its_crl():
    pki = DevPKI("Cấp ủy số CA không CRL URL")
    revoked = pki.issue("Nguyễn Văn Thu")
    data = pdfs.sign(pdfs.document(), revoked)
    pki.revoke(revoked)
    report = pdf.verify(data, pdfs.trust(pki.root, crls=[pki.crl_der()]))
    assert report["verdict"] == "untrusted" and only(report)["revocation"] == "revoked"


def test_revocation_sources_that_cannot_be_reached_report_not_checked():
    pki = DevPKI("Cấp ủy số CA ngoại tuyến")
    holder = pki.issue("Nguyễn Văn Mạng", crl_url="http://127.0.0.1:9/ca.crl")
    store = pdfs.trust(pki.root)
    store.allow_fetching = True
    report = pdf.verify(pdfs.sign(pdfs.document(), holder), store)
    assert report["verdict"] == "valid" and only(report)["revocation"] == "not_checked"


def test_a_timestamped_signature_takes_its_time_from_the_timestamp(signer, trusted, tsa_server):
    data = pdfs.sign(pdfs.document(), signer, timestamper=pdfs.http_timestamper(tsa_server))
    report = pdf.verify(data, trusted)
    entry = only(report)
    assert report["verdict"] == "valid", report
    assert entry["signing_time_source"] == "timestamp" and entry["timestamped"]
    assert entry["level"] == pdf.LEVEL_B_T
    assert entry["timestamp"]["trusted"] and entry["timestamp"]["authority"] == "Cấp ủy số Dev TSA"


def test_a_revocation_after_the_timestamp_leaves_the_signature_valid(tsa_server):
    pki = DevPKI("Cấp ủy số CA dấu thời gian")
    holder = pki.issue("Nguyễn Văn Dấu", crl_url="http://crl.invalid/ca.crl")
    data = pdfs.sign(pdfs.document(), holder, timestamper=pdfs.http_timestamper(tsa_server))
    time.sleep(1.1)  # the CRL has a one-second resolution
    pki.revoke(holder)
    store = pdfs.trust(pki.root, crls=[pki.crl_der()])
    store.roots.append(pdfs.asn1(tsa_server.tsa.chain[-1]))  # the TSA's root
    report = pdf.verify(data, store)
    entry = only(report)
    assert report["verdict"] == "valid", report
    assert entry["revocation"] == "good" and entry["notes"]
    # Without a timestamp the same revocation makes the signature invalid.
    assert pdf.verify(pdfs.sign(pdfs.document(), holder), store)["verdict"] == "untrusted"


def test_a_document_timestamp_is_reported_as_such(signer, trusted, tsa_server):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper

    stamper = pdfs.http_timestamper(tsa_server)
    data = pdfs.sign(pdfs.document(), signer, timestamper=stamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    data = PdfTimeStamper(stamper).timestamp_pdf(writer, "sha256").getvalue()
    report = pdf.verify(data, trusted)
    assert report["verdict"] == "valid", report
    assert [s["kind"] for s in report["signatures"]] == ["signature", "document_timestamp"]


def test_a_ten_page_pdf_verifies_twice_with_the_same_report(signer, trusted):
    # Speed is measured by the bench (`capuyso bench --only signing.`), not here: a timed
    # assertion failed CI on a garbage-collection pause (0.514 s against 0.5 s).
    data = pdfs.sign(pdfs.document(pages=10), signer)
    first = pdf.verify(data, trusted)  # pdf.verify releases its reader: a second run re-reads
    second = pdf.verify(data, trusted)
    assert first["verdict"] == second["verdict"] == "valid"
    assert len(second["signatures"]) == 1


# --- every incoming PDF is checked ------------------------------------------------------


@pytest.fixture
def anchors(cast, dev_pki):
    services.trust_anchor_add(
        actor=cast.admin, committee=cast.committee, data=dev_pki.root.cert_pem()
    )
    return dev_pki


@pytest.mark.django_db
def test_a_registered_pdf_is_checked_and_kept_byte_for_byte(cast, anchors, signed):
    document = register(cast, uploads=[pdfs.upload(signed)])
    (stored,) = document.files.all()
    assert doc_files.read_verified(stored) == signed
    check = services.latest_verification(stored)
    assert check.verdict == Verification.Verdict.VALID
    assert check.signer_name == "Nguyễn Văn An" and check.signature_count == 1
    assert check.report["signatures"][0]["revocation"] == "not_checked"


@pytest.mark.django_db
def test_a_staged_upload_is_checked_when_the_document_is_registered(cast, signed):
    stored, _metadata = incoming_svc.incoming_stage_upload(
        actor=cast.clerk, upload=pdfs.upload(signed), committee=cast.committee
    )
    assert not Verification.objects.filter(file=stored).exists()
    register(cast, staged_files=[stored])
    # No trust root uploaded yet: the signature is intact but untrusted.
    assert services.latest_verification(stored).verdict == Verification.Verdict.UNTRUSTED


@pytest.mark.django_db
def test_unsigned_and_non_pdf_files(cast):
    from capuyso.documents.tests.factories import png_upload

    document = register(cast, uploads=[pdfs.upload(pdfs.document(), "khong-ky.pdf"), png_upload()])
    checks = {f.content_type: services.latest_verification(f) for f in document.files.all()}
    assert checks[doc_files.PDF].verdict == Verification.Verdict.UNSIGNED
    assert checks[doc_files.PNG] is None


@pytest.mark.django_db
def test_a_failing_check_never_breaks_registration(cast, signed, monkeypatch):
    def broken(stored, **kwargs):
        raise RuntimeError("pyHanko exploded")

    monkeypatch.setattr(services, "verify_stored_file", broken)
    document = register(cast, uploads=[pdfs.upload(signed)])
    assert IncomingDocument.objects.filter(pk=document.pk).exists()
    check = services.latest_verification(document.files.get())
    assert check.verdict == Verification.Verdict.INVALID
    assert "pyHanko exploded" in check.report["error"]


@pytest.mark.django_db
def test_a_signed_pdf_sent_over_the_platform_is_checked_in_the_receiving_committee(
    cast, signed, dev_pki
):
    services.trust_anchor_add(
        actor=cast.outsider, committee=cast.other, data=dev_pki.root.cert_pem()
    )
    document = draft(cast, recipients=[outgoing_svc.RecipientSpec(committee=cast.other)])
    outgoing_svc.outgoing_approve(actor=cast.secretary, document=document)
    outgoing_svc.outgoing_attach_signature(
        actor=cast.secretary,
        document=document,
        signed_pdf=_checked(signed),
        level=pdf.LEVEL_B_B,
    )
    outgoing_svc.outgoing_issue(actor=cast.clerk, document=document)
    received = IncomingDocument.objects.get(committee=cast.other)
    copy = received.files.get()
    assert copy.committee == cast.other and doc_files.read_verified(copy) == signed
    check = services.latest_verification(copy)
    assert check.committee == cast.other and check.verdict == Verification.Verdict.VALID


def _checked(data: bytes) -> doc_files.CheckedFile:
    return doc_files.CheckedFile(
        name="ke-hoach.pdf",
        data=data,
        content_type=doc_files.PDF,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --- the page: badge, report, re-check --------------------------------------------------


@pytest.mark.django_db
def test_the_document_page_shows_the_badge_signer_time_and_report(
    cast, anchors, signed, client_for
):
    document = register(cast, uploads=[pdfs.upload(signed)])
    check = services.latest_verification(document.files.get())
    response = client_for(cast.clerk).get(
        reverse("documents:incoming_detail", args=[document.code])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="badge badge-ok"' in html
    assert "Nguyễn Văn An" in html
    when = dt.datetime.fromisoformat(check.report["signatures"][0]["signing_time"])
    assert when.strftime("%d/%m/%Y %H:%M") in html
    assert "<details>" in html and "capuyso_chu_ky" in html
    assert check.report["signatures"][0]["signer"]["serial"] in html
    assert reverse("documents:incoming_signatures_recheck", args=[document.code]) in html


@pytest.mark.django_db
def test_an_untrusted_signature_shows_a_warning_badge(cast, signed, client_for):
    document = register(cast, uploads=[pdfs.upload(signed)])
    html = (
        client_for(cast.clerk)
        .get(reverse("documents:incoming_detail", args=[document.code]))
        .content.decode()
    )
    assert 'class="badge badge-warn"' in html
    assert str(Verification.Verdict.UNTRUSTED.label) in html


@pytest.mark.django_db
def test_rechecking_after_the_admin_trusts_the_root_gives_a_new_valid_check(
    cast, dev_pki, signed, client_for
):
    document = register(cast, uploads=[pdfs.upload(signed)])
    stored = document.files.get()
    assert services.latest_verification(stored).verdict == Verification.Verdict.UNTRUSTED
    services.trust_anchor_add(
        actor=cast.admin, committee=cast.committee, data=dev_pki.root.cert_pem()
    )
    url = reverse("documents:incoming_signatures_recheck", args=[document.code])
    response = client_for(cast.clerk).post(url)
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("documents:incoming_detail", args=[document.code]) + "#files"
    )
    assert Verification.objects.filter(file=stored).count() == 2
    assert services.latest_verification(stored).verdict == Verification.Verdict.VALID
    event = AuditEvent.objects.filter(object_type="signing.verification").latest("seq")
    assert event.changes["verdict"] == ["untrusted", "valid"]


@pytest.mark.django_db
def test_recheck_is_post_only_and_only_for_those_who_may_see_the_document(cast, signed, client_for):
    document = register(cast, uploads=[pdfs.upload(signed)])
    url = reverse("documents:incoming_signatures_recheck", args=[document.code])
    detail = reverse("documents:incoming_detail", args=[document.code])
    assert client_for(cast.clerk).get(url).status_code == 405
    assert client_for(cast.member).post(url).status_code == 403
    assert client_for(cast.member).get(detail).status_code == 403
    assert client_for(cast.outsider).post(url).status_code == 404
    assert client_for(cast.outsider).get(detail).status_code == 404
    assert Verification.objects.filter(file__incoming_documents=document).count() == 1


@pytest.mark.django_db
def test_the_list_shows_badges_without_a_query_per_row(cast, anchors, signed, client_for):
    client = client_for(cast.clerk)
    url = reverse("documents:incoming_list")
    for number in range(2):
        register(cast, reference=f"{number}-KH/TU", uploads=[pdfs.upload(signed)])
    client.get(url)  # the first request of a session fills caches
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert html.count('class="badge badge-ok"') == 2
    for number in range(2, 8):
        register(cast, reference=f"{number}-KH/TU", uploads=[pdfs.upload(signed)])
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('class="badge badge-ok"') == 8
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_the_badge_tag_serves_any_page(cast, anchors, signed):
    from django.template import Context, Template

    document = register(cast, uploads=[pdfs.upload(signed)])
    template = Template("{% load signature_checks %}{% signature_badge stored compact=True %}")
    html = template.render(Context({"stored": document.files.get()}))
    assert 'class="badge badge-ok"' in html and "Nguyễn Văn An" in html
    assert template.render(Context({"stored": None})).strip() == ""

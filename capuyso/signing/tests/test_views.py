"""The signing pages: my certificates, the trust store, the settings, the signing steps on an
outgoing document's page, and batch signing — through the views, with real keys."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from capuyso.documents.models import OutgoingDocument
from capuyso.documents.services import outgoing as out_svc
from capuyso.documents.tests.factories import pdf_bytes, png_upload
from capuyso.documents.tests.test_outgoing_services import draft
from capuyso.signing import convert, services
from capuyso.signing.models import (
    Credential,
    Signature,
    SigningFile,
    SigningSettings,
    TrustAnchor,
)

pytestmark = pytest.mark.django_db

PASS = "mat-khau-1"
SEAL_NAME = "Đảng ủy xã Phú Cát"
NUMBERED_PDF_TEXT = "Số      -KH/ĐU"
_PDF: dict[str, bytes] = {}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def p12_upload(identity, name="chung-thu.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, identity.pkcs12(PASS), content_type="application/x-pkcs12")


def numbered_pdf() -> bytes:
    if "pdf" not in _PDF:
        _PDF["pdf"] = pdf_bytes(NUMBERED_PDF_TEXT)
    return _PDF["pdf"]


def detail_url(document) -> str:
    return reverse("documents:outgoing_detail", args=[document.code])


@pytest.fixture
def trusted(cast, dev_pki):
    for identity in (dev_pki.root, dev_pki.intermediate):
        services.trust_anchor_add(
            actor=cast.admin, committee=cast.committee, data=identity.cert_pem()
        )
    return dev_pki


def register(cast, user, identity, *, seal=False) -> Credential:
    credential, _warnings = services.credential_register(
        actor=user,
        committee=cast.committee,
        spec=services.NewCredential(
            kind=Credential.Kind.PKCS12,
            purpose=Credential.Purpose.SEAL if seal else Credential.Purpose.PERSONAL,
            pkcs12=identity.pkcs12(PASS),
            passphrase=PASS,
        ),
    )
    return credential


@pytest.fixture
def signer_key(cast, trusted) -> Credential:
    return register(cast, cast.secretary, trusted.issue(cast.secretary.full_name))


@pytest.fixture
def seal_key(cast, trusted) -> Credential:
    return register(cast, cast.clerk, trusted.issue(SEAL_NAME, organization=SEAL_NAME), seal=True)


def approved(cast, summary="Kế hoạch tổ chức Đại hội") -> OutgoingDocument:
    return out_svc.outgoing_approve(actor=cast.secretary, document=draft(cast, summary=summary))


def prepared(cast, summary="Kế hoạch tổ chức Đại hội") -> OutgoingDocument:
    document = approved(cast, summary)
    services.prepare_signing_file(actor=cast.clerk, document=document, upload=numbered_pdf())
    return document


def signed(cast, signer_key, summary="Kế hoạch tổ chức Đại hội") -> OutgoingDocument:
    document = prepared(cast, summary)
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=signer_key, secret=PASS
    )
    document.refresh_from_db()
    return document


def url(name, *args) -> str:
    return reverse(f"signing:{name}", args=args)


PAGES = ["certificates", "trust", "settings", "batch"]
POSTS_WITH_DOCUMENT = ["prepare", "sign", "issue"]


# --- doors: sign-in, methods, outsiders, roles ---------------------------------------------


def test_every_page_asks_anonymous_visitors_to_sign_in(client):
    code = uuid.uuid4()
    login = reverse("accounts:login")
    for name in [*PAGES, "seal_image"]:
        response = client.get(url(name))
        assert response.status_code == 302 and response.url.startswith(login), name
    response = client.get(url("file", code))
    assert response.status_code == 302 and response.url.startswith(login)
    for name in [*POSTS_WITH_DOCUMENT, "credential_deactivate", "trust_remove"]:
        response = client.post(url(name, code))
        assert response.status_code == 302 and response.url.startswith(login), name


def test_actions_refuse_get(cast, client_for):
    client = client_for(cast.clerk)
    code = uuid.uuid4()
    for name in [*POSTS_WITH_DOCUMENT, "credential_deactivate", "trust_remove"]:
        assert client.get(url(name, code)).status_code == 405, name


def test_outsiders_reach_nothing_of_another_committee(cast, client_for, signer_key, seal_key):
    document = signed(cast, signer_key)
    anchor = TrustAnchor.objects.filter(committee=cast.committee).first()
    for outsider in (cast.outsider, cast.outsider_clerk):
        client = client_for(outsider)
        assert client.get(url("file", document.code)).status_code == 404
        for name in POSTS_WITH_DOCUMENT:
            response = client.post(
                url(name, document.code),
                {"role": "signer", "credential": signer_key.code, "secret": PASS, "version": 1},
            )
            assert response.status_code == 404, name
        for credential in (signer_key, seal_key):
            response = client.post(url("credential_deactivate", credential.code))
            assert response.status_code == 404
        assert client.post(url("trust_remove", anchor.code)).status_code == 404
        for name in PAGES:
            response = client.get(url(name))
            if response.status_code == 200:
                page = response.content.decode()
                assert cast.secretary.full_name not in page, name
                assert SEAL_NAME not in page and anchor.name not in page, name
                assert str(document.code) not in page, name
    signer_key.refresh_from_db()
    assert signer_key.active and TrustAnchor.objects.filter(pk=anchor.pk).exists()
    assert Signature.objects.filter(document=document).count() == 1


def test_members_without_the_right_get_403(cast, client_for, trusted, signer_key):
    document = prepared(cast)
    member = client_for(cast.member)
    for name in [*PAGES, "seal_image"]:
        assert member.get(url(name)).status_code == 403, name
    # The secretary signs but does not configure the committee's trust or settings.
    secretary = client_for(cast.secretary)
    for name in ("trust", "settings", "seal_image"):
        assert secretary.get(url(name)).status_code == 403, name
    response = secretary.post(url("certificates"), {"purpose": "seal", "seal-kind": "pkcs12"})
    assert response.status_code == 403
    # A committee member reads the document but has no step in its signing.
    reader = client_for(cast.committee_member)
    assert reader.get(detail_url(document)).status_code == 200
    assert reader.get(url("file", document.code)).status_code == 200
    assert reader.post(url("sign", document.code), {"role": "signer"}).status_code == 403
    assert reader.post(url("sign", document.code), {"role": "initial"}).status_code == 403
    assert reader.post(url("issue", document.code), {"version": 1}).status_code == 403
    response = reader.post(
        url("prepare", document.code),
        {"source": "upload", "upload": SimpleUploadedFile("a.pdf", numbered_pdf())},
    )
    assert response.status_code == 403
    # Signing with someone else's certificate is refused without touching the file.
    other = register(cast, cast.clerk, trusted.issue(cast.clerk.full_name))
    response = client_for(cast.secretary).post(
        url("sign", document.code), {"role": "signer", "credential": other.code, "secret": PASS}
    )
    assert response.status_code == 302
    assert not Signature.objects.filter(document=document).exists()


# --- my certificates ----------------------------------------------------------------------


def test_registering_a_certificate_file_through_the_form(cast, client_for, trusted):
    client = client_for(cast.secretary)
    response = client.post(
        url("certificates"),
        {
            "purpose": "personal",
            "kind": "pkcs12",
            "label": "Chứng thư 2026",
            "pkcs12": p12_upload(trusted.issue(cast.secretary.full_name)),
            "passphrase": PASS,
            "signature_image": png_upload("chu-ky.png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    credential = Credential.objects.get(owner=cast.secretary)
    assert credential.kind == "pkcs12" and credential.active
    assert credential.signature_image and credential.label == "Chứng thư 2026"
    # The passphrase is kept nowhere: not in a field, not in the session.
    assert all(
        PASS not in str(getattr(credential, f.attname))
        for f in Credential._meta.concrete_fields
        if f.attname not in ("pkcs12", "certificate", "chain", "signature_image")
    )
    assert PASS not in str(dict(client.session.items()))
    page = client.get(url("certificates")).content.decode()
    assert cast.secretary.full_name in page
    assert timezone.localtime(credential.not_before).strftime("%d/%m/%Y") in page
    assert timezone.localtime(credential.not_after).strftime("%d/%m/%Y") in page
    assert PASS not in page


def test_a_wrong_passphrase_or_someone_elses_certificate_is_a_form_error(cast, client_for, trusted):
    client = client_for(cast.secretary)
    response = client.post(
        url("certificates"),
        {
            "purpose": "personal",
            "kind": "pkcs12",
            "pkcs12": p12_upload(trusted.issue(cast.secretary.full_name)),
            "passphrase": "sai-mat-khau",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["passphrase"]
    assert "sai-mat-khau" not in response.content.decode()
    response = client.post(
        url("certificates"),
        {
            "purpose": "personal",
            "kind": "pkcs12",
            "pkcs12": p12_upload(trusted.issue("Trần Thị Hạnh")),
            "passphrase": PASS,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Credential.objects.exists()


def test_uploads_over_2_mb_are_refused(cast, client_for):
    big = SimpleUploadedFile("to.p12", b"0" * (2 * 1024 * 1024 + 1))
    response = client_for(cast.secretary).post(
        url("certificates"),
        {"purpose": "personal", "kind": "pkcs12", "pkcs12": big, "passphrase": PASS},
    )
    assert response.status_code == 200
    assert "2 MB" in str(response.context["form"].errors["pkcs12"])
    assert not Credential.objects.exists()


def test_a_token_needs_its_labels_and_certificate(cast, client_for):
    response = client_for(cast.secretary).post(
        url("certificates"), {"purpose": "personal", "kind": "pkcs11"}
    )
    errors = response.context["form"].errors
    assert {"token_label", "key_label", "certificate"} <= set(errors)


def test_remote_accounts_are_offered_only_with_a_provider(cast, client_for):
    client = client_for(cast.secretary)
    assert "remote_user_id" not in client.get(url("certificates")).context["form"].fields
    SigningSettings.objects.create(
        committee=cast.committee, remote_provider_url="https://ky-so.example.vn/api"
    )
    assert "remote_user_id" in client.get(url("certificates")).context["form"].fields


def test_a_certificate_expiring_soon_warns_and_shows_a_badge(cast, client_for, trusted):
    client = client_for(cast.secretary)
    response = client.post(
        url("certificates"),
        {
            "purpose": "personal",
            "kind": "pkcs12",
            "pkcs12": p12_upload(trusted.issue(cast.secretary.full_name, days=10)),
            "passphrase": PASS,
        },
    )
    assert any("renewal" in m or "gia hạn" in m for m in texts(response)), texts(response)
    page = client.get(url("certificates")).content.decode()
    assert "badge-warn" in page


def test_deactivating_a_certificate(cast, client_for, signer_key):
    response = client_for(cast.secretary).post(url("credential_deactivate", signer_key.code))
    assert response.status_code == 302
    signer_key.refresh_from_db()
    assert not signer_key.active
    # Someone else of the committee cannot reach it.
    response = client_for(cast.clerk).post(url("credential_deactivate", signer_key.code))
    assert response.status_code == 404


def test_the_clerk_registers_and_deactivates_the_seal(cast, client_for, trusted):
    client = client_for(cast.clerk)
    page = client.get(url("certificates")).content.decode()
    assert gettext("Seal certificate of the committee") in page
    response = client.post(
        url("certificates"),
        {
            "purpose": "seal",
            "seal-kind": "pkcs12",
            "seal-pkcs12": p12_upload(trusted.issue(SEAL_NAME, organization=SEAL_NAME)),
            "seal-passphrase": PASS,
        },
    )
    assert response.status_code == 302
    seal = Credential.objects.get(purpose=Credential.Purpose.SEAL)
    assert seal.owner is None
    assert client.post(url("credential_deactivate", seal.code)).status_code == 302
    seal.refresh_from_db()
    assert not seal.active
    # The secretary does not see the seal section.
    page = client_for(cast.secretary).get(url("certificates")).content.decode()
    assert gettext("Seal certificate of the committee") not in page


# --- trust store and settings ----------------------------------------------------------


def test_adding_and_removing_a_trusted_root(cast, client_for, dev_pki):
    client = client_for(cast.admin)
    response = client.post(
        url("trust"),
        {"file": SimpleUploadedFile("root.pem", dev_pki.root.cert_pem()), "name": ""},
    )
    assert response.status_code == 302
    anchor = TrustAnchor.objects.get(committee=cast.committee)
    assert anchor.kind == TrustAnchor.Kind.ROOT
    page = client.get(url("trust")).content.decode()
    assert anchor.name in page and f"{anchor.valid_until:%Y}" in page
    response = client.post(
        url("trust"), {"file": SimpleUploadedFile("x.crt", b"not a certificate"), "name": ""}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert client.post(url("trust_remove", anchor.code)).status_code == 302
    assert not TrustAnchor.objects.exists()


def test_a_crl_goes_into_the_trust_store(cast, client_for, dev_pki):
    response = client_for(cast.clerk).post(
        url("trust"), {"file": SimpleUploadedFile("ca.crl", dev_pki.crl_der()), "name": ""}
    )
    assert response.status_code == 302
    assert TrustAnchor.objects.get().kind == TrustAnchor.Kind.CRL


def test_settings_keep_the_key_when_left_empty_and_show_it_masked(cast, client_for):
    client = client_for(cast.admin)
    values = {
        "timestamp_url": "https://tsa.example.vn/",
        "fetch_revocation": "on",
        "remote_provider_url": "https://ky-so.example.vn/api",
        "remote_provider_api_key": "khoa-bi-mat-123456",
        "copy_label": "SAO Y BẢN CHÍNH",
        "seal_image": png_upload("dau.png"),
    }
    assert client.post(url("settings"), values).status_code == 302
    row = SigningSettings.objects.get(committee=cast.committee)
    assert row.remote_provider_api_key == "khoa-bi-mat-123456"
    page = client.get(url("settings")).content.decode()
    assert "khoa-bi-mat-123456" not in page and "3456" in page
    assert url("seal_image") in page
    image = client.get(url("seal_image"))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    values.update(remote_provider_api_key="", timestamp_url="", seal_image="")
    assert client.post(url("settings"), values).status_code == 302
    row.refresh_from_db()
    assert row.remote_provider_api_key == "khoa-bi-mat-123456"
    assert row.timestamp_url == "" and row.seal_image
    values.update(clear_api_key="on", remove_seal_image="on")
    client.post(url("settings"), values)
    row.refresh_from_db()
    assert row.remote_provider_api_key == "" and not row.seal_image
    assert client.get(url("seal_image")).status_code == 404


def test_settings_refuse_a_bad_url_and_a_non_png_seal(cast, client_for):
    response = client_for(cast.admin).post(
        url("settings"),
        {
            "timestamp_url": "khong phai url",
            "copy_label": "SAO Y",
            "seal_image": SimpleUploadedFile("dau.png", b"GIF89a..."),
        },
    )
    assert response.status_code == 200
    assert {"timestamp_url", "seal_image"} <= set(response.context["form"].errors)
    assert not SigningSettings.objects.exists()


def test_the_settings_index_links_the_signing_pages(cast, client_for):
    page = client_for(cast.admin).get(reverse("documents:config")).content.decode()
    assert url("trust") in page and url("settings") in page


def test_my_certificates_is_in_the_user_menu_of_those_who_sign(cast, client_for):
    assert url("certificates") in client_for(cast.secretary).get("/").content.decode()
    assert url("certificates") not in client_for(cast.member).get("/").content.decode()


# --- the outgoing document's page -------------------------------------------------------------


def test_the_page_offers_to_prepare_an_approved_document(cast, client_for):
    document = approved(cast)
    page = client_for(cast.clerk).get(detail_url(document)).content.decode()
    assert url("prepare", document.code) in page
    assert gettext("Prepare the PDF for signing") in page
    if not convert.available():
        assert gettext("LibreOffice is not installed") in page
    # A draft shows no signing section.
    draft_page = client_for(cast.clerk).get(detail_url(draft(cast))).content.decode()
    assert 'id="signing"' not in draft_page


def test_preparing_the_pdf_through_the_view(cast, client_for):
    document = approved(cast)
    client = client_for(cast.clerk)
    if convert.available():
        response = client.post(url("prepare", document.code), {"source": "convert"})
        expected = SigningFile.Source.CONVERTED
    else:
        response = client.post(
            url("prepare", document.code),
            {"source": "upload", "upload": SimpleUploadedFile("final.pdf", numbered_pdf())},
        )
        expected = SigningFile.Source.UPLOADED
    assert response.status_code == 302, texts(response)
    signing_file = SigningFile.objects.get(document=document)
    assert signing_file.source == expected
    pdf = client.get(url("file", document.code))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_uploading_the_final_pdf_and_refusing_other_files(cast, client_for):
    document = approved(cast)
    client = client_for(cast.secretary)
    response = client.post(
        url("prepare", document.code),
        {"source": "upload", "upload": png_upload("anh.png")},
    )
    assert response.status_code == 302 and texts(response)
    assert not SigningFile.objects.filter(document=document).exists()
    response = client.post(url("prepare", document.code), {"source": "upload"})
    assert not SigningFile.objects.filter(document=document).exists()
    response = client.post(
        url("prepare", document.code),
        {"source": "upload", "upload": SimpleUploadedFile("final.pdf", numbered_pdf())},
    )
    assert SigningFile.objects.get(document=document).source == SigningFile.Source.UPLOADED


def test_signing_as_signer_through_the_view(cast, client_for, signer_key):
    document = prepared(cast)
    client = client_for(cast.secretary)
    page = client.get(detail_url(document)).content.decode()
    assert url("sign", document.code) in page and str(signer_key.code) in page
    assert 'type="password"' in page and 'autocomplete="off"' in page
    response = client.post(
        url("sign", document.code),
        {"role": "signer", "credential": signer_key.code, "secret": PASS},
    )
    assert response.status_code == 302, texts(response)
    signature = Signature.objects.get(document=document)
    assert signature.role == "signer" and signature.signed_by == cast.secretary
    document.refresh_from_db()
    assert document.is_digitally_signed
    page = client.get(detail_url(document)).content.decode()
    assert signature.level in page and signature.certificate_subject in page
    assert url("sign", document.code) not in page  # signed once only
    assert PASS not in str(dict(client.session.items()))
    data = b"".join(client.get(url("file", document.code)).streaming_content)
    assert services.verify_bytes(data, cast.committee)["signatures"]


def test_initialling_before_the_signer(cast, client_for, trusted):
    document = prepared(cast)
    initial = register(cast, cast.clerk, trusted.issue(cast.clerk.full_name))
    response = client_for(cast.clerk).post(
        url("sign", document.code), {"role": "initial", "credential": initial.code, "secret": PASS}
    )
    assert response.status_code == 302, texts(response)
    assert Signature.objects.get(document=document).role == "initial"
    document.refresh_from_db()
    assert not document.is_digitally_signed


def test_a_wrong_passphrase_shows_the_error_and_changes_nothing(cast, client_for, signer_key):
    document = prepared(cast)
    before = SigningFile.objects.get(document=document)
    with translation.override("vi"):
        expected = gettext("The passphrase is wrong.")
        response = client_for(cast.secretary).post(
            url("sign", document.code),
            {"role": "signer", "credential": signer_key.code, "secret": "sai"},
        )
    assert response.status_code == 302
    assert expected in texts(response)
    assert not Signature.objects.filter(document=document).exists()
    after = SigningFile.objects.get(document=document)
    assert (after.current_id, after.version) == (before.current_id, before.version)
    document.refresh_from_db()
    assert document.signed_file_id is None and not document.is_digitally_signed


def test_an_empty_secret_is_asked_for_before_anything(cast, client_for, signer_key):
    document = prepared(cast)
    response = client_for(cast.secretary).post(
        url("sign", document.code), {"role": "signer", "credential": signer_key.code}
    )
    assert gettext("Enter the PIN or the passphrase.") in texts(response)
    assert not Signature.objects.exists()


def test_issuing_with_the_seal_through_the_view(cast, client_for, signer_key, seal_key):
    document = signed(cast, signer_key)
    client = client_for(cast.clerk)
    page = client.get(detail_url(document)).content.decode()
    assert url("issue", document.code) in page and str(seal_key.code) in page
    assert reverse("documents:outgoing_issue", args=[document.code]) not in page
    response = client.post(
        url("issue", document.code),
        {"version": document.version, "credential": seal_key.code, "secret": PASS},
    )
    assert response.status_code == 302, texts(response)
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.ISSUED
    assert any(document.reference in m for m in texts(response))
    roles = list(Signature.objects.filter(document=document).values_list("role", flat=True))
    assert roles == ["signer", "seal"]
    report = services.verify_bytes(
        b"".join(client.get(url("file", document.code)).streaming_content), cast.committee
    )
    assert report["verdict"] == "valid", report


def test_a_wrong_seal_pin_leaves_the_document_unnumbered(cast, client_for, signer_key, seal_key):
    document = signed(cast, signer_key)
    response = client_for(cast.clerk).post(
        url("issue", document.code),
        {"version": document.version, "credential": seal_key.code, "secret": "sai"},
    )
    assert gettext("The passphrase is wrong.") in texts(response)
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.APPROVED and not document.reference
    assert Signature.objects.filter(document=document).count() == 1


def test_issuing_without_the_seal(cast, client_for, signer_key):
    document = signed(cast, signer_key)
    client = client_for(cast.clerk)
    page = client.get(detail_url(document)).content.decode()
    assert gettext("No seal certificate of the committee is registered.") in page
    response = client.post(
        url("issue", document.code), {"version": document.version, "without_seal": "1"}
    )
    assert response.status_code == 302, texts(response)
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.ISSUED and document.signed_file_id
    assert not Signature.objects.filter(document=document, role="seal").exists()


def test_a_paper_signed_document_keeps_the_plain_issue(cast, client_for):
    document = approved(cast)
    page = client_for(cast.clerk).get(detail_url(document)).content.decode()
    assert reverse("documents:outgoing_issue", args=[document.code]) in page
    assert url("issue", document.code) not in page


# --- batch signing ---------------------------------------------------------------------------


def test_batch_signing_three_documents_with_one_passphrase(cast, client_for, signer_key):
    documents = [prepared(cast, f"Kế hoạch số {n}") for n in range(3)]
    approved(cast, "Chưa chuẩn bị PDF")  # not prepared: not listed
    client = client_for(cast.secretary)
    home = client.get("/").content.decode()
    assert url("batch") in home
    page = client.get(url("batch"))
    assert [d.pk for d in page.context["documents"]] == [d.pk for d in documents]
    assert "Chưa chuẩn bị PDF" not in page.content.decode()
    response = client.post(
        url("batch"),
        {
            "documents": [str(d.code) for d in documents],
            "credential": signer_key.code,
            "secret": PASS,
        },
    )
    assert response.status_code == 200
    results = response.context["results"]
    assert [r.signature is not None for r in results] == [True, True, True], [
        r.error for r in results
    ]
    assert Signature.objects.filter(role="signer").count() == 3
    assert list(response.context["documents"]) == []
    assert url("batch") not in client.get("/").content.decode()


def test_batch_with_a_wrong_passphrase_signs_nothing(cast, client_for, signer_key):
    documents = [prepared(cast, f"Kế hoạch số {n}") for n in range(2)]
    response = client_for(cast.secretary).post(
        url("batch"),
        {
            "documents": [str(d.code) for d in documents],
            "credential": signer_key.code,
            "secret": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["secret"]
    assert not Signature.objects.exists()


def test_batch_lists_only_the_users_own_waiting_documents(cast, client_for, signer_key):
    document = prepared(cast)
    assert list(client_for(cast.clerk).get(url("batch")).context["documents"]) == []
    response = client_for(cast.clerk).post(
        url("batch"),
        {"documents": [str(document.code)], "credential": signer_key.code, "secret": PASS},
    )
    assert response.context["form"].errors
    assert not Signature.objects.exists()
    # The selector agrees with the service's rule.
    for user in (cast.secretary, cast.clerk, cast.deputy):
        listed = set(services_to_sign(user))
        assert listed == {document.pk} if services.may_sign(user, document) else listed == set()


def services_to_sign(user):
    from capuyso.signing.selectors import documents_to_sign

    return documents_to_sign(user).values_list("pk", flat=True)


def test_list_pages_use_a_bounded_number_of_queries(
    cast, client_for, signer_key, django_assert_max_num_queries
):
    for n in range(3):
        prepared(cast, f"Kế hoạch số {n}")
    client = client_for(cast.secretary)
    with django_assert_max_num_queries(25):
        client.get(url("batch"))
    with django_assert_max_num_queries(25):
        client.get(url("certificates"))

"""Remote (phone-confirmed) signing end to end: the services and the waiting page, against
a fake signing service on 127.0.0.1 that signs with a real key of the development PKI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import get_resolver, include, path, reverse
from django.utils import timezone

from capuyso.documents import files as doc_files
from capuyso.documents.tests.factories import pdf_bytes
from capuyso.signing import pdf, remote_flow, services, urls_remote
from capuyso.signing.models import Credential, RemoteSigningRequest, Signature, SigningFile
from capuyso.signing.remote import RemoteResult, RemoteSigningError
from capuyso.signing.tests.test_signing_flow import approved, prepared
from capuyso.signing.testservers import FakeRemoteSigner


def _urlpatterns():
    """The project's URLs, with the remote signing pages under "signing" if not yet there."""
    from config import urls as root

    if "signing" in get_resolver("config.urls").namespace_dict:
        return root.urlpatterns
    return [*root.urlpatterns, path("signing/", include((urls_remote.urlpatterns, "signing")))]


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SIGNER_NAME = "Nguyễn Văn Bình"  # cast.secretary, the document's signer
USER_ID = "binh.nv@vnpt-ca"
Status = RemoteSigningRequest.Status


@pytest.fixture
def fake(dev_pki):
    with FakeRemoteSigner(dev_pki.issue(SIGNER_NAME)) as server:
        yield server


@pytest.fixture
def credential(cast, fake):
    services.settings_update(
        actor=cast.admin,
        committee=cast.committee,
        remote_provider_url=fake.url,
        remote_provider_api_key="test-key",
    )
    registered, _warnings = services.credential_register(
        actor=cast.secretary,
        committee=cast.committee,
        spec=services.NewCredential(kind=Credential.Kind.REMOTE, remote_user_id=USER_ID),
    )
    return registered


@pytest.fixture
def document(cast):
    document = approved(cast)
    prepared(cast, document)
    return document


def start(cast, document, credential):
    return remote_flow.remote_start(
        actor=cast.secretary, document=document, role="signer", credential=credential
    )


def poll(cast, signing):
    return remote_flow.remote_poll(actor=cast.secretary, request=signing)


def stored_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def assert_unchanged(document, signing_file):
    document.refresh_from_db()
    assert document.signed_file_id is None
    assert not Signature.objects.filter(document=document).exists()
    assert SigningFile.objects.get(pk=signing_file.pk).current_id == signing_file.current_id


# --- the services -------------------------------------------------------------------------


def test_start_poll_pending_then_signed_gives_a_valid_signature(
    cast, document, credential, fake, dev_pki
):
    before = services.signing_file_of(document)
    signing = start(cast, document, credential)
    assert signing.status == Status.PENDING
    assert signing.base_sha256 == before.current.sha256
    assert timezone.now() < signing.expires_at <= timezone.now() + dt.timedelta(minutes=5)
    method, url, payload = fake.requests[-1]
    assert (method, url, payload["user_id"]) == ("POST", "/sign", USER_ID)
    assert payload["digest_algorithm"] == "sha256"
    assert "Kế hoạch tổ chức Đại hội" in payload["document_name"]
    # A second start while waiting is the same request: the phone is not asked twice.
    assert start(cast, document, credential).pk == signing.pk
    assert [r[0:2] for r in fake.requests].count(("POST", "/sign")) == 1

    assert poll(cast, signing).status == Status.PENDING
    assert not Signature.objects.filter(document=document).exists()
    signing = poll(cast, signing)
    assert signing.status == Status.SIGNED

    signature = Signature.objects.get(document=document)
    assert (signature.role, signature.level) == ("signer", pdf.LEVEL_B_B)
    assert signature.credential == credential and signature.signed_by == cast.secretary
    assert signature.field_name == signing.field_name == "capuyso_chu_ky"
    document.refresh_from_db()
    assert document.signed_file == signature.file
    assert document.signature_level == pdf.LEVEL_B_B
    assert services.signing_file_of(document).current == signature.file
    data = doc_files.read_verified(signature.file)
    trust = pdf.TrustStore(roots=[pdf.load_certificate(dev_pki.root.cert_der())])
    report = pdf.verify(data, trust)
    assert report["verdict"] == "valid", report
    assert report["signatures"][-1]["signer"]["common_name"] == SIGNER_NAME

    # Finished: polling again changes nothing and does not ask the service.
    asked = len(fake.requests)
    assert poll(cast, signing).status == Status.SIGNED
    assert len(fake.requests) == asked
    assert Signature.objects.filter(document=document).count() == 1
    assert not bytes(RemoteSigningRequest.objects.get(pk=signing.pk).prepared_pdf)


def test_remote_initial_then_remote_signature_both_stay_valid(cast, document, dev_pki):
    def register(user, server):
        services.settings_update(
            actor=cast.admin,
            committee=cast.committee,
            remote_provider_url=server.url,
            remote_provider_api_key="test-key",
        )
        spec = services.NewCredential(kind=Credential.Kind.REMOTE, remote_user_id=user.username)
        return services.credential_register(actor=user, committee=cast.committee, spec=spec)[0]

    def sign(user, role, credential):
        signing = remote_flow.remote_start(
            actor=user, document=document, role=role, credential=credential
        )
        for _attempt in range(3):
            signing = remote_flow.remote_poll(actor=user, request=signing)
        assert signing.status == Status.SIGNED, signing.error

    with FakeRemoteSigner(dev_pki.issue("Đỗ Thị Lan"), confirm_after_polls=0) as server:
        sign(cast.clerk, "initial", register(cast.clerk, server))
    document.refresh_from_db()
    assert document.signed_file_id is None  # an initial is not the signature
    with FakeRemoteSigner(dev_pki.issue(SIGNER_NAME), confirm_after_polls=0) as server:
        sign(cast.secretary, "signer", register(cast.secretary, server))
    document.refresh_from_db()
    trust = pdf.TrustStore(roots=[pdf.load_certificate(dev_pki.root.cert_der())])
    report = pdf.verify(doc_files.read_verified(document.signed_file), trust)
    assert report["verdict"] == "valid", report
    assert [s["field"] for s in report["signatures"]] == ["capuyso_ky_nhay", "capuyso_chu_ky"]
    assert list(Signature.objects.filter(document=document).values_list("role", flat=True)) == [
        "initial",
        "signer",
    ]


def test_refused_by_the_service_says_why_and_stores_nothing(cast, document, credential, fake):
    signing_file = services.signing_file_of(document)
    fake.behaviour = "refuse"
    with pytest.raises(ValidationError) as caught:
        start(cast, document, credential)
    assert "Tài khoản ký số chưa được kích hoạt" in caught.value.messages[0]
    assert caught.value.code == "refused"
    assert not RemoteSigningRequest.objects.exists()
    assert_unchanged(document, signing_file)


def test_rejected_on_the_phone_fails_and_leaves_the_document_as_it_was(
    cast, document, credential, fake, settings
):
    signing_file = services.signing_file_of(document)
    fake.behaviour = "reject"
    signing = start(cast, document, credential)
    files = stored_files(settings)
    assert poll(cast, signing).status == Status.PENDING
    signing = poll(cast, signing)
    assert signing.status == Status.FAILED
    assert "Người ký từ chối trên điện thoại" in signing.error
    assert_unchanged(document, signing_file)
    assert stored_files(settings) == files
    assert not bytes(RemoteSigningRequest.objects.get(pk=signing.pk).prepared_pdf)
    # A failed request does not block a new attempt.
    fake.behaviour = "ok"
    assert start(cast, document, credential).pk != signing.pk


def test_never_confirmed_request_expires(cast, document, credential, fake):
    signing_file = services.signing_file_of(document)
    fake.behaviour = "timeout"
    signing = start(cast, document, credential)
    assert poll(cast, signing).status == Status.PENDING
    RemoteSigningRequest.objects.filter(pk=signing.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    signing.refresh_from_db()
    signing = poll(cast, signing)
    assert signing.status == Status.FAILED
    assert "expired" in signing.error or "hết hạn" in signing.error
    assert_unchanged(document, signing_file)


def test_an_expired_pending_request_is_closed_by_the_next_start(cast, document, credential, fake):
    fake.behaviour = "timeout"
    old = start(cast, document, credential)
    RemoteSigningRequest.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    new = start(cast, document, credential)
    assert new.pk != old.pk
    assert RemoteSigningRequest.objects.get(pk=old.pk).status == Status.FAILED


def test_a_slow_service_gives_a_clear_timeout_message(cast, document, credential, fake, settings):
    signing_file = services.signing_file_of(document)
    settings.SIGNING_REMOTE_TIMEOUT = 1
    fake.behaviour = "slow"
    with pytest.raises(ValidationError) as caught:
        start(cast, document, credential)
    assert caught.value.code == "timeout"
    assert caught.value.messages == [str(RemoteSigningError("timeout").message)]
    assert not RemoteSigningRequest.objects.exists()
    assert_unchanged(document, signing_file)


def test_a_slow_poll_keeps_waiting_with_a_note_until_it_expires(
    cast, document, credential, fake, settings
):
    settings.SIGNING_REMOTE_TIMEOUT = 1
    fake.confirm_after_polls = 0
    signing = start(cast, document, credential)
    fake.behaviour = "slow"  # (the slow answer counts its poll only after our timeout)
    signing = poll(cast, signing)
    assert signing.status == Status.PENDING
    assert signing.error == str(RemoteSigningError("timeout").message)
    # The service answers again: the note goes, the signature arrives.
    fake.behaviour = "ok"
    signing = poll(cast, signing)
    assert (signing.status, signing.error) == (Status.SIGNED, "")


def test_a_signature_over_another_digest_is_refused(cast, document, credential, fake, settings):
    signing_file = services.signing_file_of(document)
    fake.behaviour = "wrong_digest"
    fake.confirm_after_polls = 0
    signing = start(cast, document, credential)
    files = stored_files(settings)
    signing = poll(cast, signing)
    assert signing.status == Status.FAILED
    assert "signed a different document" in signing.error or "khác" in signing.error
    assert_unchanged(document, signing_file)
    assert stored_files(settings) == files


def test_a_signature_with_another_certificate_is_refused(
    cast, document, credential, monkeypatch, dev_pki
):
    signing_file = services.signing_file_of(document)
    signing = start(cast, document, credential)

    with FakeRemoteSigner(dev_pki.issue(SIGNER_NAME)) as impostor:

        class Impostor:
            def poll(self, transaction_id):
                return RemoteResult("signed", impostor.sign_digest(bytes(signing.digest)))

        monkeypatch.setattr(services, "remote_provider", lambda committee: Impostor())
        signing = poll(cast, signing)
    assert signing.status == Status.FAILED
    assert "certificate other than" in signing.error or "chứng thư" in signing.error
    assert_unchanged(document, signing_file)


def test_a_document_changed_while_waiting_is_not_signed(cast, document, credential, fake):
    fake.confirm_after_polls = 0
    signing = start(cast, document, credential)
    # Meanwhile the PDF is made again: the prepared revision no longer fits.
    signing_file = services.prepare_signing_file(
        actor=cast.clerk, document=document, upload=pdf_bytes("Số      -KH/ĐU (bản mới)")
    )
    signing = poll(cast, signing)
    assert signing.status == Status.FAILED
    assert "changed" in signing.error or "thay đổi" in signing.error
    assert_unchanged(document, signing_file)


def test_only_the_requester_polls_and_cancel_stops_waiting(cast, document, credential, fake):
    signing = start(cast, document, credential)
    with pytest.raises(PermissionDenied):
        remote_flow.remote_poll(actor=cast.clerk, request=signing)
    with pytest.raises(PermissionDenied):
        remote_flow.remote_cancel(actor=cast.clerk, request=signing)
    signing = remote_flow.remote_cancel(actor=cast.secretary, request=signing)
    assert signing.status == Status.FAILED and signing.error
    asked = len(fake.requests)
    assert poll(cast, signing).status == Status.FAILED
    assert len(fake.requests) == asked


def test_start_checks_like_a_local_signature(cast, document, credential):
    with pytest.raises(PermissionDenied):  # the clerk is not the signer
        remote_flow.remote_start(
            actor=cast.clerk, document=document, role="signer", credential=credential
        )
    with pytest.raises(ValidationError):
        remote_flow.remote_start(
            actor=cast.secretary, document=document, role="seal", credential=credential
        )
    Credential.objects.filter(pk=credential.pk).update(active=False)
    credential.refresh_from_db()
    with pytest.raises(ValidationError):
        start(cast, document, credential)
    assert not RemoteSigningRequest.objects.exists()


# --- the pages ----------------------------------------------------------------------------


def test_status_page_is_only_for_the_requester(cast, document, credential, client, client_for):
    signing = start(cast, document, credential)
    status_url = reverse("signing:remote_status", args=[signing.code])
    poll_url = reverse("signing:remote_poll", args=[signing.code])
    cancel_url = reverse("signing:remote_cancel", args=[signing.code])

    response = client.get(status_url)
    assert response.status_code == 302 and "login" in response["Location"]
    for user in (cast.clerk, cast.outsider):
        browser = client_for(user)
        assert browser.get(status_url).status_code == 404
        assert browser.get(poll_url).status_code == 404
        assert browser.post(cancel_url).status_code == 404
    browser = client_for(cast.secretary)
    assert browser.get(cancel_url).status_code == 405
    page = browser.get(status_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kế hoạch tổ chức Đại hội" in html
    assert 'hx-trigger="every 2s"' in html and f'hx-get="{poll_url}"' in html
    assert 'http-equiv="refresh"' in html
    assert f'action="{poll_url}"' in html and f'action="{cancel_url}"' in html


def test_htmx_poll_swaps_the_state_then_redirects_to_the_document(
    cast, document, credential, client_for
):
    signing = start(cast, document, credential)
    browser = client_for(cast.secretary)
    poll_url = reverse("signing:remote_poll", args=[signing.code])
    partial = browser.get(poll_url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="remote-state"')
    assert "<html" not in html and 'hx-trigger="every 2s"' in html
    done = browser.get(poll_url, headers={"HX-Request": "true"})
    document_url = reverse("documents:outgoing_detail", args=[document.code])
    assert done["HX-Redirect"] == document_url
    assert Signature.objects.filter(document=document, role="signer").exists()
    # The status page of a signed request goes to the document too.
    assert browser.get(reverse("signing:remote_status", args=[signing.code]))["Location"] == (
        document_url
    )


def test_without_javascript_check_now_posts_then_redirects(cast, document, credential, client_for):
    signing = start(cast, document, credential)
    browser = client_for(cast.secretary)
    status_url = reverse("signing:remote_status", args=[signing.code])
    poll_url = reverse("signing:remote_poll", args=[signing.code])
    first = browser.post(poll_url)
    assert (first.status_code, first["Location"]) == (302, status_url)
    second = browser.post(poll_url)
    assert second.status_code == 302
    assert second["Location"] == reverse("documents:outgoing_detail", args=[document.code])
    assert RemoteSigningRequest.objects.get(pk=signing.pk).status == Status.SIGNED


def test_a_failed_request_shows_the_error_and_the_way_back(
    cast, document, credential, fake, client_for
):
    fake.behaviour = "reject"
    fake.confirm_after_polls = 0
    signing = start(cast, document, credential)
    browser = client_for(cast.secretary)
    partial = browser.get(
        reverse("signing:remote_poll", args=[signing.code]), headers={"HX-Request": "true"}
    )
    html = partial.content.decode()
    assert "Người ký từ chối trên điện thoại" in html
    assert "hx-trigger" not in html
    page = browser.get(reverse("signing:remote_status", args=[signing.code])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("documents:outgoing_detail", args=[document.code]) in page


def test_cancel_from_the_page(cast, document, credential, client_for):
    signing = start(cast, document, credential)
    browser = client_for(cast.secretary)
    response = browser.post(reverse("signing:remote_cancel", args=[signing.code]))
    assert response["Location"] == reverse("documents:outgoing_detail", args=[document.code])
    assert RemoteSigningRequest.objects.get(pk=signing.pk).status == Status.FAILED

"""Ký số: a real SoftHSM token signs an issued document in the browser, and the result
validates with pyHanko's own command-line validator.

Set up in Python first: one SoftHSM directory for this process (activated before anything
loads the PKCS#11 library), a development PKI, a token holding the Bí thư's certificate, a
PKCS#12 seal of the committee's executive body, and an approved plan with the Bí thư as
signer. Then, in the browser:

1. Quản trị uploads the development root and intermediate to the trust store.
2. Bí thư registers the token in "My certificates" (token label, key label, certificate
   file), opens the plan, makes its PDF (from the approved DOCX when LibreOffice is
   installed, else by upload), types a wrong PIN (a message, nothing signed), then the
   right PIN: the signature shows with its PAdES level.
3. Văn thư registers the seal (PKCS#12), seals and issues: the registry gives 01-KH/ĐU.
4. Văn thư downloads the signed PDF through the page's link; `pyhanko sign validate` trusts
   only the development root and calls every signature VALID, and so does
   `capuyso verify_pdf` when that command is installed.

As in the other journeys, buttons are found by their form's `action` and fields by `name`;
the one message text checked is taken from the same catalogue the page uses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.urls import reverse
from django.utils import translation
from e2e_helpers import SUBMIT, ConsoleWatch, sign_in
from playwright.sync_api import expect

from capuyso.documents.models import DocumentType, OutgoingDocument
from capuyso.documents.services import outgoing as out_svc
from capuyso.documents.services.config import executive_body_name
from capuyso.signing import convert
from capuyso.signing import softhsm as softhsm_module
from capuyso.signing.devpki import DevPKI
from capuyso.signing.models import Credential, Signature, SigningFile, TrustAnchor
from capuyso.signing.softhsm import SoftHSM

TOKEN_LABEL = "bi-thu-usb"
TOKEN_PIN = "271828"
WRONG_PIN = "000000"
KEY_LABEL = "chu-ky-so"
SEAL_PASSPHRASE = "con-dau-2026"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def hsm(tmp_path_factory) -> SoftHSM:
    """This process's only SoftHSM directory (SoftHSM reads its configuration once)."""
    if not softhsm_module.available():
        pytest.skip("SoftHSM2 not installed (needs softhsm2-util, pkcs11-tool, libsofthsm2.so)")
    found = SoftHSM(tmp_path_factory.mktemp("softhsm"))
    found.activate()
    return found


@pytest.fixture(scope="module")
def dev_pki() -> DevPKI:
    return DevPKI()


@pytest.fixture
def token(hsm, dev_pki, cast, settings):
    """The Bí thư's USB token: a key and a certificate issued to his full name."""
    identity = dev_pki.issue(
        cast.secretary.full_name, organization=executive_body_name(cast.committee)
    )
    hsm.create_token(TOKEN_LABEL, TOKEN_PIN)
    hsm.import_identity(TOKEN_LABEL, TOKEN_PIN, identity, KEY_LABEL, key_id="0a")
    hsm.reload_library()  # in case something loaded the PKCS#11 library before
    # The settings fixture changes the process's settings, which the live server thread reads.
    settings.SIGNING_PKCS11_MODULE = softhsm_module.module_path()
    return identity


@pytest.fixture
def seal(dev_pki, cast):
    """The committee's seal: a PKCS#12 file issued to its executive body."""
    body = executive_body_name(cast.committee)
    return dev_pki.issue(body, organization=body).pkcs12(SEAL_PASSPHRASE)


@pytest.fixture
def approved_plan(cast) -> OutgoingDocument:
    """A plan to all cells, drafted by the Văn thư and approved by its signer, the Bí thư."""
    document = out_svc.outgoing_create(
        actor=cast.clerk,
        doc_type=DocumentType.objects.get(committee=cast.committee, abbreviation="KH"),
        summary="Kế hoạch chuyển đổi số trong các chi bộ năm 2026",
        body="I. MỤC ĐÍCH, YÊU CẦU\n\nỨng dụng chữ ký số trong văn bản của Đảng.",
        signer=cast.secretary,
        signature_capacity="T/M BAN THƯỜNG VỤ",
        signer_title="BÍ THƯ",
        all_cells=True,
    )
    return out_svc.outgoing_approve(actor=cast.secretary, document=document)


class Person:
    """One user in their own browser context, signed in through the login form."""

    def __init__(self, new_context, site, user):
        self.user = user
        self.site = site
        self.page = new_context().new_page()
        self.console = ConsoleWatch(self.page)
        sign_in(self.page, site, user)
        expect(self.page).to_have_url(site("core:home"))

    def open(self, url: str) -> None:
        response = self.page.goto(self.site(url))
        assert response is not None and response.status == 200, url

    def form(self, url: str, **has_field):
        """The form that posts to `url`; `purpose="seal"` narrows to the one with that input."""
        form = self.page.locator(f"form[action='{url}']")
        for name, value in has_field.items():
            form = form.filter(has=self.page.locator(f"input[name='{name}'][value='{value}']"))
        return form

    def submit(self, form) -> None:
        with self.page.expect_navigation():
            form.locator(SUBMIT).first.click()

    def assert_clean(self) -> None:
        assert self.console.take() == [], self.user.username


@pytest.fixture
def people(new_context, site, cast):
    def person(user) -> Person:
        return Person(new_context, site, user)

    return person


def message(text: str, **values) -> str:
    """`text` as the page shows it: the Vietnamese catalogue, falling back to English."""
    with translation.override("vi"):
        return translation.gettext(text) % values


def pem_file(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "application/x-pem-file", "buffer": data}


def test_token_signs_the_seal_issues_and_pyhanko_validates_the_download(
    people, cast, token, seal, approved_plan, dev_pki, tmp_path
):
    code = approved_plan.code
    detail_url = reverse("documents:outgoing_detail", args=[code])
    certificates_url = reverse("signing:certificates")

    # Quản trị trusts the development CA: root and intermediate in one PEM bundle.
    admin = people(cast.admin)
    admin.open(reverse("signing:trust"))
    trust_form = admin.page.locator("form", has=admin.page.locator("input[name='file']"))
    trust_form.locator("input[name='file']").set_input_files(
        files=[pem_file("dev-ca.pem", dev_pki.root.cert_pem() + dev_pki.intermediate.cert_pem())]
    )
    admin.submit(trust_form)
    expect(admin.page.locator(".messages .msg-success")).to_have_count(1)
    assert set(
        TrustAnchor.objects.filter(committee=cast.committee).values_list("kind", flat=True)
    ) == {TrustAnchor.Kind.ROOT, TrustAnchor.Kind.INTERMEDIATE}
    admin.assert_clean()

    # Bí thư opens "My certificates" from the account menu and registers his USB token.
    leader = people(cast.secretary)
    page = leader.page
    with page.expect_navigation():
        page.locator(f"nav.usernav a[href='{certificates_url}']").click()
    expect(page).to_have_url(leader.site(certificates_url))
    mine = leader.form(certificates_url, purpose="personal")
    mine.locator(f"input[name='kind'][value='{Credential.Kind.PKCS11}']").check()
    mine.locator("input[name='label']").fill("Token VNPT-CA 2026")
    mine.locator("input[name='token_label']").fill(TOKEN_LABEL)
    mine.locator("input[name='key_label']").fill(KEY_LABEL)
    mine.locator("input[name='certificate']").set_input_files(
        files=[pem_file("bi-thu.pem", token.cert_pem())]
    )
    leader.submit(mine)
    expect(page).to_have_url(leader.site(certificates_url))
    expect(page.locator(".messages .msg-success")).to_contain_text(cast.secretary.full_name)
    expect(page.locator(".messages .msg-warning")).to_have_count(0)  # it chains to the root
    credential = Credential.objects.get(owner=cast.secretary, active=True)
    assert (credential.kind, credential.token_label, credential.key_label) == (
        Credential.Kind.PKCS11,
        TOKEN_LABEL,
        KEY_LABEL,
    )
    assert credential.chain  # the CAs, from the trust store, go into every signature
    listed = page.locator("table tbody tr").filter(has_text=cast.secretary.full_name)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(f"{TOKEN_LABEL} / {KEY_LABEL}")
    expect(listed.locator(".badge-ok")).to_have_count(1)

    # ... opens the approved plan and makes the PDF to sign.
    leader.open(detail_url)
    prepare_url = reverse("signing:prepare", args=[code])
    if convert.available():
        leader.submit(leader.form(prepare_url, source="convert"))
        source = SigningFile.Source.CONVERTED
    else:
        from weasyprint import HTML

        upload = leader.form(prepare_url, source="upload")
        upload.locator("input[name='upload']").set_input_files(
            files=[
                {
                    "name": "ke-hoach.pdf",
                    "mimeType": "application/pdf",
                    "buffer": HTML(string="<p>ĐẢNG ỦY XÃ PHÚ CÁT</p><p>KẾ HOẠCH</p>").write_pdf(),
                }
            ]
        )
        leader.submit(upload)
        source = SigningFile.Source.UPLOADED
    expect(page.locator(".messages .msg-success")).to_have_count(1)
    assert SigningFile.objects.get(document=approved_plan).source == source
    file_url = reverse("signing:file", args=[code])
    expect(page.locator(f"#signing a[href='{file_url}']")).to_have_count(1)

    # ... a wrong PIN: the token refuses it, the page says so and nothing is signed.
    sign_url = reverse("signing:sign", args=[code])
    sign_form = leader.form(sign_url, role=Signature.Role.SIGNER)
    expect(sign_form.locator("select[name='credential']")).to_have_value(str(credential.code))
    sign_form.locator("input[name='secret']").fill(WRONG_PIN)
    leader.submit(sign_form)
    expect(page.locator(".messages .msg-error")).to_have_text(
        message(
            "The PIN is wrong. The token locks itself after a few wrong PINs: "
            "check it before trying again."
        )
    )
    assert not Signature.objects.filter(document=approved_plan).exists()
    expect(page.locator("#signing table")).to_have_count(0)

    # ... then the right PIN: the signature shows with its PAdES level.
    sign_form = leader.form(sign_url, role=Signature.Role.SIGNER)
    sign_form.locator("input[name='secret']").fill(TOKEN_PIN)
    leader.submit(sign_form)
    expect(page.locator(".messages .msg-error")).to_have_count(0)
    signature = Signature.objects.get(document=approved_plan)
    assert (signature.role, signature.credential, signature.level) == (
        Signature.Role.SIGNER,
        credential,
        "PAdES-B-B",
    )
    signed_row = page.locator("#signing table tbody tr")
    expect(signed_row).to_have_count(1)
    expect(signed_row).to_contain_text(cast.secretary.full_name)
    expect(signed_row).to_contain_text(signature.level)
    expect(leader.form(sign_url)).to_have_count(0)
    leader.assert_clean()

    # Văn thư registers the committee's seal (PKCS#12) in the seal part of "My certificates".
    clerk = people(cast.clerk)
    page = clerk.page
    clerk.open(certificates_url)
    seal_form = clerk.form(certificates_url, purpose="seal")
    seal_form.locator(f"input[name='seal-kind'][value='{Credential.Kind.PKCS12}']").check()
    seal_form.locator("input[name='seal-pkcs12']").set_input_files(
        files=[{"name": "con-dau.p12", "mimeType": "application/x-pkcs12", "buffer": seal}]
    )
    seal_form.locator("input[name='seal-passphrase']").fill(SEAL_PASSPHRASE)
    clerk.submit(seal_form)
    body = executive_body_name(cast.committee)
    expect(page.locator(".messages .msg-success")).to_contain_text(body)
    expect(page.locator("#seal ~ .table-wrap tbody tr").filter(has_text=body)).to_have_count(1)
    seal_credential = Credential.objects.get(purpose=Credential.Purpose.SEAL, active=True)

    # ... seals and issues the plan: the registry numbers it 01-KH/ĐU.
    clerk.open(detail_url)
    issue_form = clerk.form(reverse("signing:issue", args=[code]))
    expect(issue_form.locator("select[name='credential']")).to_have_value(str(seal_credential.code))
    issue_form.locator("input[name='secret']").fill(SEAL_PASSPHRASE)
    clerk.submit(issue_form)
    expect(page.locator(".messages .msg-success")).to_contain_text("01-KH/ĐU")
    expect(page.get_by_role("heading", level=1)).to_contain_text("01-KH/ĐU")
    approved_plan.refresh_from_db()
    assert approved_plan.status == OutgoingDocument.Status.ISSUED
    assert approved_plan.reference == "01-KH/ĐU"
    roles = list(
        Signature.objects.filter(document=approved_plan)
        .order_by("signed_at")
        .values_list("role", flat=True)
    )
    assert roles == [Signature.Role.SIGNER, Signature.Role.SEAL]
    expect(page.locator("#signing table tbody tr")).to_have_count(2)

    # ... and downloads the signed PDF through the page's link.
    with page.expect_download() as caught:
        page.locator(f"#signing a[href='{file_url}?download=1']").click()
    download = caught.value
    signed_pdf = tmp_path / download.suggested_filename
    download.save_as(signed_pdf)
    assert signed_pdf.read_bytes().startswith(b"%PDF")
    clerk.assert_clean()

    # pyHanko's own validator, trusting the development root only, calls every signature VALID.
    root = tmp_path / "root.pem"
    root.write_bytes(dev_pki.root.cert_pem())
    result = subprocess.run(
        [
            str(BIN / "pyhanko"),
            "sign",
            "validate",
            "--executive-summary",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
            str(root),
            str(signed_pdf),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    assert all(re.search(r"\bVALID\b", line) and "INVALID" not in line for line in lines), lines

    # ... and so does the platform's own checker, where it is installed (what `capuyso help
    # verify_pdf` would tell, without starting a second process).
    if "verify_pdf" in get_commands():
        verdict = subprocess.run(
            [str(BIN / "capuyso"), "verify_pdf", str(signed_pdf), "--trust", str(root)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr
        assert json.loads(verdict.stdout)["verdict"] == "valid", verdict.stdout

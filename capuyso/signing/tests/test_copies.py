"""Electronic copies: the copying body's signature at the top right, the source untouched."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.documents import files as doc_files
from capuyso.signing import copies, pdf, services
from capuyso.signing.models import ElectronicCopy
from capuyso.signing.tests.test_signing_flow import (
    PASS,
    approved,
    keys_ready,  # noqa: F401 - fixture
    prepared,
    trusted,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db


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
    return document, seal


def test_copy_keeps_source_and_every_signature_valid(cast, issued):
    document, seal = issued
    source = document.signed_file
    before = doc_files.read_verified(source)
    copy = copies.make_copy(
        actor=cast.clerk,
        committee=cast.committee,
        source=source,
        kind=ElectronicCopy.Kind.TRUE_COPY,
        credential=seal,
        secret=PASS,
        outgoing=document,
    )
    assert doc_files.read_verified(source) == before
    data = doc_files.read_verified(copy.copy)
    assert data.startswith(before)  # an incremental update of the source
    report = services.verify_bytes(data, cast.committee)
    assert report["verdict"] == "valid", report
    assert [s["field"] for s in report["signatures"]][-1] == "capuyso_ban_sao"
    lines = copies.copy_stamp_lines(cast.committee, "sao_y", copy.created_at)
    assert lines[0] == "SAO Y BẢN CHÍNH"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", lines[2])
    placement = pdf.signature_placement(before, "copy")
    width, height = 595.3, 841.9
    assert placement.page == 0
    assert placement.box[0] > width / 2 and placement.box[3] > height - 100


def test_copy_needs_the_office_and_the_right_passphrase(cast, issued):
    document, seal = issued
    with pytest.raises(PermissionDenied):
        copies.make_copy(
            actor=cast.member,
            committee=cast.committee,
            source=document.signed_file,
            kind="sao_y",
            credential=seal,
            secret=PASS,
        )
    with pytest.raises(ValidationError):
        copies.make_copy(
            actor=cast.clerk,
            committee=cast.committee,
            source=document.signed_file,
            kind="sao_y",
            credential=seal,
            secret="wrong",
        )
    assert not ElectronicCopy.objects.exists()

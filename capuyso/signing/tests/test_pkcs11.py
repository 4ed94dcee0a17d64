"""Signing through a real SoftHSM2 token (PKCS#11), as the cipher-committee USB tokens do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from capuyso.documents import files as doc_files
from capuyso.signing import services, softhsm
from capuyso.signing.models import Credential, Signature
from capuyso.signing.tests.test_signing_flow import approved, prepared, trusted  # noqa: F401

pytestmark = pytest.mark.django_db

LABEL = "bi-thu-token"
PIN = "246810"


@pytest.fixture(scope="session")
def secretary_token(softhsm, dev_pki):  # noqa: F811 - fixture from conftest
    identity = dev_pki.issue("Nguyễn Văn Bình", organization="Đảng ủy xã Phú Cát")
    softhsm.create_token(LABEL, PIN)
    softhsm.import_identity(LABEL, PIN, identity, "ky-so", key_id="02")
    softhsm.reload_library()
    return identity


@pytest.fixture
def token_credential(cast, trusted, secretary_token, settings):  # noqa: F811
    settings.SIGNING_PKCS11_MODULE = softhsm.module_path()
    credential, _warnings = services.credential_register(
        actor=cast.secretary,
        committee=cast.committee,
        spec=services.NewCredential(
            kind=Credential.Kind.PKCS11,
            certificate=secretary_token.cert_pem(),
            token_label=LABEL,
            key_label="ky-so",
        ),
    )
    return credential


def test_token_signs_and_the_signature_validates(cast, token_credential):
    document = approved(cast)
    prepared(cast, document)
    services.sign_document(
        actor=cast.secretary,
        document=document,
        role="signer",
        credential=token_credential,
        secret=PIN,
    )
    document.refresh_from_db()
    report = services.verify_bytes(doc_files.read_verified(document.signed_file), cast.committee)
    assert report["verdict"] == "valid", report
    assert report["signatures"][0]["signer"]["common_name"] == "Nguyễn Văn Bình"


def test_wrong_pin_is_one_attempt_and_changes_nothing(cast, token_credential):
    document = approved(cast)
    prepared(cast, document)
    with pytest.raises(ValidationError) as caught:
        services.sign_document(
            actor=cast.secretary,
            document=document,
            role="signer",
            credential=token_credential,
            secret="000000",
        )
    assert "PIN" in str(caught.value.message_dict["secret"])
    assert not Signature.objects.filter(document=document).exists()
    # The right PIN still works: the wrong one was tried once, not retried until locked.
    services.sign_document(
        actor=cast.secretary,
        document=document,
        role="signer",
        credential=token_credential,
        secret=PIN,
    )
    assert Signature.objects.filter(document=document, role="signer").count() == 1


def test_batch_signing_with_one_pin(cast, token_credential):
    documents = [approved(cast) for _ in range(3)]
    for document in documents:
        prepared(cast, document)
    results = services.batch_sign(
        actor=cast.secretary, documents=documents, credential=token_credential, secret=PIN
    )
    assert [r.error for r in results] == ["", "", ""]
    assert Signature.objects.filter(document__in=documents, role="signer").count() == 3


def test_missing_token_is_a_clear_message(cast, token_credential):
    token_credential.token_label = "khong-co"
    token_credential.save()
    document = approved(cast)
    prepared(cast, document)
    with pytest.raises(ValidationError) as caught:
        services.sign_document(
            actor=cast.secretary,
            document=document,
            role="signer",
            credential=token_credential,
            secret=PIN,
        )
    assert "khong-co" in str(caught.value)

import pytest

from capuyso.signing import keys, services
from capuyso.signing.demo import DEMO_SIGNING_PASSPHRASE, seed_signing
from capuyso.signing.models import Credential, TrustAnchor

pytestmark = pytest.mark.django_db


def test_demo_certificates_open_and_chain_to_the_demo_root(cast):
    lines = seed_signing([cast.committee])
    assert lines == [f"{cast.committee.slug}: 3 personal certificate(s) and the seal"]
    assert TrustAnchor.objects.filter(committee=cast.committee).count() == 1
    personal = Credential.objects.get(owner=cast.secretary)
    seal = Credential.objects.get(committee=cast.committee, purpose="seal")
    for credential in (personal, seal):
        with keys.open_signer(credential, DEMO_SIGNING_PASSPHRASE) as signer:
            assert signer.signing_cert.sha256.hex() == credential.sha256
    services.check_certificate_for(
        services.pdf.load_certificate(bytes(personal.certificate)), owner=cast.secretary
    )
    assert services.settings_for(cast.committee).seal_image

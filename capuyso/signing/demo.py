"""Demo signing set-up: a demo CA in each demo committee's trust store, certificate files for
the leaders and the committee's seal, so the whole signing journey can be tried at once.

The demo certificates come from a throw-away CA made at seed time; they are worthless outside
the demo. Their passphrase is published in the README, like the demo passwords.
"""

from __future__ import annotations

import io

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from capuyso.documents.services.config import executive_body_name
from capuyso.org.models import Committee
from capuyso.signing.devpki import DevPKI
from capuyso.signing.models import Credential, SigningSettings, TrustAnchor

DEMO_SIGNING_PASSPHRASE = "KySo@2025"  # noqa: S105 - published on purpose: demo only
SIGNERS = ("bithu", "phobithu", "thuongvu")


def _image(kind: str, text: str = "") -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    if kind == "seal":
        image = Image.new("RGBA", (360, 360), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        red = (206, 17, 38, 235)
        draw.ellipse([6, 6, 354, 354], outline=red, width=12)
        draw.ellipse([44, 44, 316, 316], outline=red, width=4)
        star = [
            (180, 120),
            (194, 165),
            (240, 165),
            (203, 192),
            (217, 238),
            (180, 210),
            (143, 238),
            (157, 192),
            (120, 165),
            (166, 165),
        ]
        draw.polygon(star, fill=red)
        try:
            font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 22)
        except OSError:
            font = ImageFont.load_default()
        words = text.upper().split()
        half = (len(words) + 1) // 2
        for row, line in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
            box = draw.textbbox((0, 0), line, font=font)
            draw.text((180 - (box[2] - box[0]) / 2, 255 + row * 28 - 40), line, fill=red, font=font)
    else:
        image = Image.new("RGBA", (420, 160), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        blue = (20, 40, 150, 255)
        draw.line(
            [(20, 120), (90, 40), (130, 110), (190, 30), (240, 120), (300, 60), (400, 90)],
            fill=blue,
            width=7,
            joint="curve",
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_signing(committees: list[Committee]) -> list[str]:
    """Trust anchors, personal certificates for the leaders and the seal, per committee."""
    from capuyso.accounts.models import User

    pki = DevPKI("Cấp ủy số Demo CA")
    lines = []
    for committee in committees:
        TrustAnchor.objects.create(
            committee=committee,
            kind=TrustAnchor.Kind.ROOT,
            name="Cấp ủy số Demo CA",
            der=pki.root.cert_der(),
            sha256=pki.root.cert.fingerprint(hashes.SHA256()).hex(),
            valid_until=pki.root.cert.not_valid_after_utc,
        )
        SigningSettings.objects.update_or_create(
            committee=committee,
            defaults={"seal_image": _image("seal", executive_body_name(committee))},
        )
        body = executive_body_name(committee)
        users = list(User.objects.filter(committee=committee, username__in=SIGNERS))
        for user in users:
            _create(committee, user, pki.issue(user.full_name, organization=body))
        _create(committee, None, pki.issue(body, organization=body))
        lines.append(f"{committee.slug}: {len(users)} personal certificate(s) and the seal")
    return lines


def _create(committee, owner, identity) -> Credential:
    cert = identity.cert
    common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return Credential.objects.create(
        committee=committee,
        owner=owner,
        purpose=Credential.Purpose.PERSONAL if owner else Credential.Purpose.SEAL,
        kind=Credential.Kind.PKCS12,
        label="Demo",
        certificate=identity.cert_der(),
        chain=b"".join(c.public_bytes(serialization.Encoding.PEM) for c in identity.chain),
        subject_name=common_name[:255],
        issuer_name=identity.chain[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
        serial=format(cert.serial_number, "x"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pkcs12=identity.pkcs12(DEMO_SIGNING_PASSPHRASE),
        signature_image=_image("signature") if owner is not None else None,
        registered_by=owner,
    )

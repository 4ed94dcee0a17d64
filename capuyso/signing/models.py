"""Digital signatures: who can sign with what, whom we trust, what was signed, what we checked.

Private keys never live here unprotected: a PKCS#12 file is kept exactly as uploaded (it is
encrypted with its passphrase, which is asked at signing time and never stored), a token keeps
its key on the token, and a remote provider keeps it at the provider.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from capuyso.core.models import TenantModel


class SigningSettings(TenantModel):
    """Per-committee settings the tenant administrator edits."""

    timestamp_url = models.URLField(
        _("timestamp server (TSA) URL"),
        blank=True,
        help_text=_("With a TSA the signatures reach PAdES B-T; leave empty to sign B-B."),
    )
    fetch_revocation = models.BooleanField(
        _("fetch revocation data (OCSP/CRL) when signing and verifying"),
        default=True,
        help_text=_("Needs access to the CA's servers; offline, uploaded CRLs are used."),
    )
    remote_provider_url = models.URLField(_("remote signing service URL"), blank=True)
    remote_provider_api_key = models.CharField(
        _("remote signing service key"), max_length=255, blank=True
    )
    seal_image = models.BinaryField(_("seal image (PNG)"), null=True, blank=True, editable=True)
    copy_label = models.CharField(
        _("electronic copy label"), max_length=60, default="SAO Y BẢN CHÍNH"
    )

    class Meta:
        verbose_name = _("signing settings")
        constraints = [
            models.UniqueConstraint(fields=["committee"], name="signing_settings_one_per_committee")
        ]


class TrustAnchor(TenantModel):
    """A trusted root, an intermediate, or a revocation list (CRL) uploaded by the admin."""

    class Kind(models.TextChoices):
        ROOT = "root", _("Trusted root certificate")
        INTERMEDIATE = "intermediate", _("Intermediate certificate")
        CRL = "crl", _("Revocation list (CRL)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    der = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust anchors")
        constraints = [
            models.UniqueConstraint(fields=["committee", "sha256"], name="trust_anchor_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Credential(TenantModel):
    """A certificate a user (or the organisation's seal) signs with, and where its key is."""

    class Kind(models.TextChoices):
        PKCS11 = "pkcs11", _("USB token (PKCS#11)")
        PKCS12 = "pkcs12", _("Certificate file (PKCS#12)")
        REMOTE = "remote", _("Remote signing (phone confirmation)")

    class Purpose(models.TextChoices):
        PERSONAL = "personal", _("Personal signature")
        SEAL = "seal", _("Organisation seal")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signing_credentials",
        verbose_name=_("holder"),
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.PERSONAL
    )
    kind = models.CharField(_("key holder"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=120, blank=True)
    certificate = models.BinaryField(editable=False)
    chain = models.BinaryField(editable=False, default=b"")
    subject_name = models.CharField(_("certificate holder"), max_length=255, editable=False)
    issuer_name = models.CharField(_("issued by"), max_length=255, editable=False)
    serial = models.CharField(_("serial number"), max_length=80, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    pkcs12 = models.BinaryField(null=True, editable=False)  # as uploaded: passphrase-encrypted
    token_label = models.CharField(_("token label"), max_length=64, blank=True)
    key_label = models.CharField(_("key label on the token"), max_length=64, blank=True)
    remote_user_id = models.CharField(
        _("account at the signing service"), max_length=120, blank=True
    )
    signature_image = models.BinaryField(_("signature image (PNG)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-active", "-not_after"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "sha256", "owner"], name="credential_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.get_kind_display()})"


class SigningFile(TenantModel):
    """The PDF an outgoing document is signed in: prepared once, then one revision per signature."""

    class Source(models.TextChoices):
        CONVERTED = "converted", _("Converted from the approved DOCX")
        UPLOADED = "uploaded", _("Uploaded by the signer")

    document = models.OneToOneField(
        "documents.OutgoingDocument", on_delete=models.CASCADE, related_name="signing_file"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    from_version = models.ForeignKey(
        "documents.DraftVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    current = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    has_number_fields = models.BooleanField(default=False)
    number_stamped = models.BooleanField(default=False)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("signing file")


class Signature(TenantModel):
    """One signature applied on the platform, in order."""

    class Role(models.TextChoices):
        INITIAL = "initial", _("Initial (ký nháy)")
        SIGNER = "signer", _("Signature")
        SEAL = "seal", _("Organisation seal")
        COPY = "copy", _("Electronic copy")

    document = models.ForeignKey(
        "documents.OutgoingDocument", on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    field_name = models.CharField(max_length=80)
    credential = models.ForeignKey(
        Credential, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    certificate_subject = models.CharField(max_length=255)
    level = models.CharField(_("level"), max_length=20)
    signed_at = models.DateTimeField(_("signed at"))
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")


class RemoteSigningRequest(TenantModel):
    """A signature waiting for the signer's confirmation on the phone."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation on the phone")
        SIGNED = "signed", _("Signed")
        FAILED = "failed", _("Failed")

    document = models.ForeignKey(
        "documents.OutgoingDocument", on_delete=models.CASCADE, related_name="+"
    )
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=20, choices=Signature.Role.choices)
    transaction_id = models.CharField(max_length=120)
    base_sha256 = models.CharField(max_length=64)
    prepared_pdf = models.BinaryField()
    digest = models.BinaryField()
    reserved_start = models.PositiveBigIntegerField()
    reserved_end = models.PositiveBigIntegerField()
    field_name = models.CharField(max_length=80)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]


class Verification(TenantModel):
    """The check of a stored PDF's signatures: the verdict and the full report."""

    class Verdict(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid_integrity", _("Invalid")
        UNTRUSTED = "untrusted", _("Untrusted")
        EXPIRED = "expired", _("Expired")
        MODIFIED = "modified_after_signing", _("Modified after signing")
        UNSIGNED = "unsigned", _("Unsigned")

    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.CASCADE, related_name="verifications"
    )
    verdict = models.CharField(_("verdict"), max_length=30, choices=Verdict.choices)
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signature_count = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signature check")
        verbose_name_plural = _("signature checks")


class ElectronicCopy(TenantModel):
    """A copy (sao y, sao lục, trích sao) of a signed PDF, signed by the copying body.

    The source stays byte for byte; the copy is the source plus one incremental signature
    whose stamp sits at the top right of page 1: copy type, copying body, ISO 8601 time.
    """

    class Kind(models.TextChoices):
        TRUE_COPY = "sao_y", _("True copy (sao y)")
        REPRODUCTION = "sao_luc", _("Reproduction (sao lục)")
        EXTRACT = "trich_sao", _("Extract (trích sao)")

    kind = models.CharField(_("copy type"), max_length=20, choices=Kind.choices)
    source = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    copy = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    outgoing = models.ForeignKey(
        "documents.OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    incoming = models.ForeignKey(
        "documents.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    credential = models.ForeignKey(
        Credential, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(max_length=20)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("electronic copy")
        verbose_name_plural = _("electronic copies")

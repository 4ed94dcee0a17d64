"""Forms of the signing pages. They parse input and check uploads; the services decide.

Secrets (a PKCS#12 passphrase, a token PIN) go straight from `cleaned_data` to one service
call: the password widgets never render them back, and the views that receive them hide
them from error reports.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from capuyso.documents import files as doc_files
from capuyso.signing import services
from capuyso.signing.models import Credential

SMALL_FILE_BYTES = 2 * 1024 * 1024


def secret_widget():
    return forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False)


def _small_file(upload) -> bytes:
    """The bytes of an uploaded certificate or image, refused above 2 MB."""
    if upload.size is not None and upload.size > SMALL_FILE_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 2 MB; a certificate or an image is much smaller.")
            % {"name": upload.name}
        )
    upload.seek(0)
    data = upload.read(SMALL_FILE_BYTES + 1)
    if len(data) > SMALL_FILE_BYTES:
        raise ValidationError(_("%(name)s is larger than 2 MB.") % {"name": upload.name})
    if not data:
        raise ValidationError(_("%(name)s is empty (0 bytes).") % {"name": upload.name})
    return data


def _png(upload) -> bytes:
    _small_file(upload)
    return doc_files.check_upload(upload, allowed=(doc_files.PNG,)).data


class CodeChoiceField(forms.ModelChoiceField):
    """A choice among rows a selector allowed, identified by their code in the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        label = f"{obj.subject_name} — {obj.get_kind_display()}"
        if obj.label:
            label = f"{obj.label}: {label}"
        return f"{label} ({_('valid until')} {obj.not_after:%d/%m/%Y})"


# --- certificates ---------------------------------------------------------------------


class CredentialForm(forms.Form):
    """Register a certificate: a PKCS#12 file, a USB token, or a remote-service account."""

    kind = forms.ChoiceField(label=_("Where is the key?"), widget=forms.RadioSelect)
    label = forms.CharField(
        label=_("Name for this certificate (optional)"),
        max_length=120,
        required=False,
        help_text=_("e.g. “Token from VNPT-CA, 2026”"),
    )
    pkcs12 = forms.FileField(
        label=_("Certificate file (.p12 or .pfx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase of the file"),
        required=False,
        strip=False,
        widget=secret_widget(),
        help_text=_("Used once to open the file now; it is never stored."),
    )
    token_label = forms.CharField(label=_("Token label"), max_length=64, required=False)
    key_label = forms.CharField(label=_("Key label on the token"), max_length=64, required=False)
    certificate = forms.FileField(
        label=_("Certificate of the token (PEM, DER or CRT)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pem,.der,.crt,.cer"}),
    )
    remote_user_id = forms.CharField(
        label=_("Your account at the signing service"), max_length=120, required=False
    )
    signature_image = forms.FileField(
        label=_("Image of your handwritten signature (PNG, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )

    def __init__(self, *args, remote: bool = False, seal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.seal = seal
        kinds = [
            (Credential.Kind.PKCS12, Credential.Kind.PKCS12.label),
            (Credential.Kind.PKCS11, Credential.Kind.PKCS11.label),
        ]
        if remote:
            kinds.append((Credential.Kind.REMOTE, Credential.Kind.REMOTE.label))
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = Credential.Kind.PKCS12
        if not remote:
            del self.fields["remote_user_id"]
        if seal:
            del self.fields["signature_image"]

    def clean_pkcs12(self):
        upload = self.cleaned_data.get("pkcs12")
        return _small_file(upload) if upload else b""

    def clean_certificate(self):
        upload = self.cleaned_data.get("certificate")
        return _small_file(upload) if upload else b""

    def clean_signature_image(self):
        upload = self.cleaned_data.get("signature_image")
        return _png(upload) if upload else None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if (
            kind == Credential.Kind.PKCS12
            and not data.get("pkcs12")
            and "pkcs12" not in self.errors
        ):
            self.add_error("pkcs12", _("Choose the .p12 or .pfx file."))
        if kind == Credential.Kind.PKCS11:
            for name in ("token_label", "key_label"):
                if not data.get(name, "").strip():
                    self.add_error(name, _("Shown by the token's software; enter it."))
            if not data.get("certificate") and "certificate" not in self.errors:
                self.add_error("certificate", _("Choose the certificate file of the token."))
        return data

    def spec(self) -> services.NewCredential:
        data = self.cleaned_data
        return services.NewCredential(
            kind=data["kind"],
            purpose=Credential.Purpose.SEAL if self.seal else Credential.Purpose.PERSONAL,
            certificate=data.get("certificate") or b"",
            pkcs12=data.get("pkcs12") or b"",
            passphrase=data.get("passphrase") or "",
            token_label=data.get("token_label", ""),
            key_label=data.get("key_label", ""),
            remote_user_id=data.get("remote_user_id", ""),
            signature_image=data.get("signature_image"),
            label=data.get("label", ""),
        )


# --- trust store and settings ------------------------------------------------------------


class TrustUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Certificate or revocation list"),
        help_text=_("A root or intermediate certificate (PEM bundle, DER, CRT) or a CRL."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pem,.der,.crt,.cer,.crl"}),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to use the name in the certificate."),
    )

    def clean_file(self):
        return _small_file(self.cleaned_data["file"])


class SettingsForm(forms.Form):
    timestamp_url = forms.URLField(
        label=_("Timestamp server (TSA) URL"),
        required=False,
        assume_scheme="https",
        help_text=_("With a TSA the signatures reach PAdES B-T; leave empty to sign B-B."),
    )
    fetch_revocation = forms.BooleanField(
        label=_("Fetch revocation data (OCSP/CRL) when signing and verifying"),
        required=False,
        help_text=_("Needs access to the CA's servers; offline, uploaded CRLs are used."),
    )
    remote_provider_url = forms.URLField(
        label=_("Remote signing service URL"), required=False, assume_scheme="https"
    )
    remote_provider_api_key = forms.CharField(
        label=_("Remote signing service key"),
        max_length=255,
        required=False,
        strip=True,
        widget=secret_widget(),
        help_text=_("Leave empty to keep the current key."),
    )
    clear_api_key = forms.BooleanField(label=_("Remove the stored key"), required=False)
    seal_image = forms.FileField(
        label=_("Seal image (PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
        help_text=_("The red seal drawn on the organisation's seal signature."),
    )
    remove_seal_image = forms.BooleanField(label=_("Remove the seal image"), required=False)
    copy_label = forms.CharField(label=_("Electronic copy label"), max_length=60)

    def clean_seal_image(self):
        upload = self.cleaned_data.get("seal_image")
        return _png(upload) if upload else None

    def service_values(self) -> dict:
        """The values for `services.settings_update`: an empty key keeps the stored one and
        no upload keeps the stored image."""
        data = self.cleaned_data
        values = {
            "timestamp_url": data["timestamp_url"],
            "fetch_revocation": data["fetch_revocation"],
            "remote_provider_url": data["remote_provider_url"],
            "copy_label": data["copy_label"],
        }
        if data["clear_api_key"]:
            values["remote_provider_api_key"] = ""
        elif data["remote_provider_api_key"]:
            values["remote_provider_api_key"] = data["remote_provider_api_key"]
        if data["seal_image"]:
            values["seal_image"] = data["seal_image"]
        elif data["remove_seal_image"]:
            values["seal_image"] = b""
        return values


# --- outgoing documents --------------------------------------------------------------------


class PrepareForm(forms.Form):
    source = forms.ChoiceField(choices=[("convert", "convert"), ("upload", "upload")])
    upload = forms.FileField(
        label=_("Final PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if data.get("source") == "upload":
            if not upload:
                self.add_error("upload", _("Choose the final PDF."))
            else:
                try:
                    data["upload"] = doc_files.check_upload(upload, allowed=(doc_files.PDF,))
                except ValidationError as exc:
                    self.add_error("upload", exc)
        return data


class SignForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(r, r) for r in services.SIGNING_ROLES], widget=forms.HiddenInput
    )
    credential = CodeChoiceField(label=_("Certificate"), queryset=Credential.objects.none())
    secret = forms.CharField(
        label=_("PIN of the token or passphrase of the file"),
        required=False,
        strip=False,
        widget=secret_widget(),
        help_text=_("Not needed for remote signing: you confirm on your phone."),
    )

    def __init__(self, *args, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].queryset = credentials

    def clean(self):
        data = super().clean()
        credential = data.get("credential")
        if (
            credential is not None
            and credential.kind != Credential.Kind.REMOTE
            and not data.get("secret")
        ):
            self.add_error("secret", _("Enter the PIN or the passphrase."))
        return data


class IssueSignedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    credential = CodeChoiceField(
        label=_("Seal certificate"), queryset=Credential.objects.none(), required=False
    )
    secret = forms.CharField(
        label=_("PIN or passphrase of the seal"),
        required=False,
        strip=False,
        widget=secret_widget(),
    )
    without_seal = forms.BooleanField(required=False)  # the "issue without the seal" button

    def __init__(self, *args, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].queryset = credentials

    def clean(self):
        data = super().clean()
        if data.get("without_seal"):
            data["credential"] = None
            data["secret"] = ""
            return data
        if not data.get("credential") and "credential" not in self.errors:
            self.add_error("credential", _("Choose the seal certificate, or issue without it."))
        elif not data.get("secret"):
            self.add_error("secret", _("Enter the PIN or the passphrase."))
        return data


class BatchSignForm(forms.Form):
    documents = forms.MultipleChoiceField(label=_("Documents"), widget=forms.CheckboxSelectMultiple)
    credential = CodeChoiceField(
        label=_("Certificate"), queryset=Credential.objects.none(), empty_label=None
    )
    secret = forms.CharField(
        label=_("PIN of the token or passphrase of the file"),
        strip=False,
        widget=secret_widget(),
        help_text=_("Entered once for all the chosen documents."),
    )

    def __init__(self, *args, documents, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(d.code): d for d in documents}
        self.fields["documents"].choices = [(code, code) for code in self.candidates]
        self.fields["credential"].queryset = credentials

    def chosen(self) -> list:
        return [self.candidates[code] for code in self.cleaned_data["documents"]]

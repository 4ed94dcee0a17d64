"""Pages of digital signing: my certificates, the trust store, the signing settings, the
signing steps on an outgoing document's page, and batch signing.

Thin views: the selectors fetch and scope, the forms parse, one service decides. Views that
receive a PIN or a passphrase hide it from error reports and pass it to one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.documents import files as doc_files
from capuyso.documents import selectors as doc_selectors
from capuyso.signing import selectors, services
from capuyso.signing.forms import (
    BatchSignForm,
    CredentialForm,
    IssueSignedForm,
    PrepareForm,
    SettingsForm,
    SignForm,
    TrustUploadForm,
)
from capuyso.signing.models import Credential, Signature

SEAL_PREFIX = "seal"


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _back(document):
    return redirect("documents:outgoing_detail", document.code)


# --- my certificates ---------------------------------------------------------------------


@sensitive_post_parameters("passphrase", f"{SEAL_PREFIX}-passphrase")
@login_required
def certificates(request):
    """The user's certificates and the register form; a seal holder also manages the seal."""
    user = request.user
    if not selectors.may_hold_certificates(user):
        raise PermissionDenied
    remote = selectors.remote_offered(user.committee)
    seal = selectors.may_manage_seal(user)
    form = CredentialForm(remote=remote)
    seal_form = CredentialForm(remote=remote, seal=True, prefix=SEAL_PREFIX) if seal else None
    if request.method == "POST":
        is_seal = request.POST.get("purpose") == "seal"
        if is_seal and not seal:
            raise PermissionDenied
        bound = CredentialForm(
            request.POST,
            request.FILES,
            remote=remote,
            seal=is_seal,
            prefix=SEAL_PREFIX if is_seal else None,
        )
        if bound.is_valid():
            try:
                credential, warnings = services.credential_register(
                    actor=user, committee=user.committee, spec=bound.spec()
                )
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(
                    request,
                    _("The certificate of %(subject)s was registered.")
                    % {"subject": credential.subject_name},
                )
                for warning in warnings:
                    messages.warning(request, warning)
                return redirect("signing:certificates")
        if is_seal:
            seal_form = bound
        else:
            form = bound
    context = {
        "credentials": selectors.credentials_of(user),
        "seal_credentials": selectors.seal_credentials_of(user) if seal else [],
        "form": form,
        "seal_form": seal_form,
        "may_manage_seal": seal,
        "has_waiting": selectors.documents_to_sign(user).exists(),
    }
    return render(request, "signing/certificates.html", context)


@require_POST
@login_required
def credential_deactivate(request, code):
    credential = selectors.get_credential_for_user(request.user, code)
    services.credential_deactivate(actor=request.user, credential=credential)
    messages.success(
        request,
        _("The certificate of %(subject)s can no longer be used to sign.")
        % {"subject": credential.subject_name},
    )
    return redirect("signing:certificates")


# --- trust store -----------------------------------------------------------------------


@login_required
def trust(request):
    user = request.user
    anchors = selectors.trust_anchors_for_config(user)  # 403 unless a configurer
    form = TrustUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.trust_anchor_add(
                actor=user,
                committee=user.committee,
                data=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d entry was added to the trust store.",
                    "%(count)d entries were added to the trust store.",
                    len(added),
                )
                % {"count": len(added)},
            )
            return redirect("signing:trust")
    return render(request, "signing/trust.html", {"anchors": anchors, "form": form})


@require_POST
@login_required
def trust_remove(request, code):
    anchor = selectors.get_trust_anchor_for_config(request.user, code)
    services.trust_anchor_remove(actor=request.user, anchor=anchor)
    messages.success(
        request, _("“%(name)s” was removed from the trust store.") % {"name": anchor.name}
    )
    return redirect("signing:trust")


# --- signing settings --------------------------------------------------------------------


@sensitive_post_parameters("remote_provider_api_key")
@login_required
def signing_settings(request):
    user = request.user
    row = selectors.settings_for_config(user)  # 403 unless a configurer
    initial = {
        "timestamp_url": row.timestamp_url,
        "fetch_revocation": row.fetch_revocation,
        "remote_provider_url": row.remote_provider_url,
        "copy_label": row.copy_label,
    }
    form = SettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=user, committee=user.committee, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The signing settings were saved."))
            return redirect("signing:settings")
    context = {
        "form": form,
        "has_seal_image": bool(row.seal_image),
        "masked_key": selectors.mask_secret(row.remote_provider_api_key),
    }
    return render(request, "signing/settings.html", context)


@login_required
def seal_image(request):
    row = selectors.settings_for_config(request.user)
    if not row.seal_image:
        raise Http404
    response = HttpResponse(bytes(row.seal_image), content_type=doc_files.PNG)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- an outgoing document ------------------------------------------------------------------


@login_required
def signing_pdf(request, code):
    """The PDF being signed, as it stands (prepared, initialled or signed), for anyone who
    may open the document."""
    document = doc_selectors.get_outgoing_for_user(request.user, code)
    signing_file = services.signing_file_of(document)
    if signing_file is None:
        raise Http404
    return pdf_response(request, signing_file.current)


def pdf_response(request, stored):
    """A stored PDF, after the caller's permission check, only if its SHA-256 still matches:
    shown in the browser, or downloaded with `?download=1`."""
    try:
        data = doc_files.read_verified(stored)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except doc_files.IntegrityError:
        return render(request, "documents/file_damaged.html", {"stored": stored}, status=409)
    response = FileResponse(iter([data]), content_type=doc_files.PDF)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(
        request.GET.get("download") == "1", stored.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def prepare(request, code):
    """Make the PDF to sign: convert the approved DOCX, or take the uploaded final PDF."""
    user = request.user
    document = doc_selectors.get_outgoing_for_user(user, code)
    try:
        services.check_may_prepare(user, document)  # 403 before the upload is read
    except ValidationError as exc:
        _errors(request, exc)
        return _back(document)
    form = PrepareForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(document)
    upload = form.cleaned_data["upload"] if form.cleaned_data["source"] == "upload" else None
    try:
        services.prepare_signing_file(actor=user, document=document, upload=upload)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The PDF is ready to be signed."))
    return _back(document)


@sensitive_post_parameters("secret")
@require_POST
@login_required
def sign(request, code):
    """Initial or sign with one of the user's certificates (a remote one confirms by phone)."""
    user = request.user
    document = doc_selectors.get_outgoing_for_user(user, code)
    role = request.POST.get("role", "")
    try:
        services.check_may_sign(user, document, role)  # 403 before any key is opened
    except ValidationError as exc:
        _errors(request, exc)
        return _back(document)
    form = SignForm(request.POST, credentials=selectors.signing_credentials(user))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(document)
    credential = form.cleaned_data["credential"]
    if credential.kind == Credential.Kind.REMOTE:
        from capuyso.signing import remote_flow

        try:
            pending = remote_flow.remote_start(
                actor=user, document=document, role=role, credential=credential
            )
        except ValidationError as exc:
            _errors(request, exc)
            return _back(document)
        return redirect(reverse("signing:remote_status", args=[pending.code]))
    try:
        signature = services.sign_document(
            actor=user,
            document=document,
            role=role,
            credential=credential,
            secret=form.cleaned_data["secret"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if signature.role == Signature.Role.INITIAL:
            messages.success(request, _("Initialled. The signer can now sign."))
        else:
            messages.success(
                request,
                _("Signed (%(level)s). The Office can now number and issue it.")
                % {"level": signature.level},
            )
    return _back(document)


@sensitive_post_parameters("secret")
@require_POST
@login_required
def issue(request, code):
    """Issue a digitally signed document: number and date go into the PDF, then the seal."""
    user = request.user
    document = doc_selectors.get_outgoing_for_user(user, code)
    if not selectors.may_issue(user, document):
        raise PermissionDenied
    form = IssueSignedForm(
        request.POST, credentials=selectors.signing_credentials(user, seal=True, remote=False)
    )
    if not form.is_valid():
        _form_errors(request, form)
        return _back(document)
    data = form.cleaned_data
    try:
        issued = services.issue_signed(
            actor=user,
            document=document,
            credential=data["credential"],
            secret=data["secret"],
            version=data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Issued as Số %(reference)s and sent to its recipients.")
            % {"reference": issued.reference},
        )
    return _back(document)


# --- batch signing -----------------------------------------------------------------------


@sensitive_post_parameters("secret")
@login_required
def batch(request):
    """Sign several approved documents with one PIN entry."""
    user = request.user
    if not selectors.may_hold_certificates(user):
        raise PermissionDenied
    credentials = selectors.signing_credentials(user, remote=False)
    documents = list(selectors.documents_to_sign(user)[: selectors.BATCH_LIMIT])
    form = BatchSignForm(request.POST or None, documents=documents, credentials=credentials)
    results = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            results = services.batch_sign(
                actor=user,
                documents=form.chosen(),
                credential=data["credential"],
                secret=data["secret"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            signed = sum(1 for r in results if r.signature is not None)
            messages.success(
                request,
                ngettext(
                    "%(count)d document was signed.", "%(count)d documents were signed.", signed
                )
                % {"count": signed},
            )
            documents = list(selectors.documents_to_sign(user)[: selectors.BATCH_LIMIT])
            form = BatchSignForm(documents=documents, credentials=credentials)
    context = {
        "documents": documents,
        "form": form,
        "results": results,
        "has_credentials": credentials.exists(),
    }
    return render(request, "signing/batch.html", context)


urlpatterns = [
    path("certificates/", certificates, name="certificates"),
    path(
        "certificates/<uuid:code>/deactivate/",
        credential_deactivate,
        name="credential_deactivate",
    ),
    path("trust/", trust, name="trust"),
    path("trust/<uuid:code>/remove/", trust_remove, name="trust_remove"),
    path("settings/", signing_settings, name="settings"),
    path("settings/seal.png", seal_image, name="seal_image"),
    path("outgoing/<uuid:code>/pdf/", signing_pdf, name="file"),
    path("outgoing/<uuid:code>/prepare/", prepare, name="prepare"),
    path("outgoing/<uuid:code>/sign/", sign, name="sign"),
    path("outgoing/<uuid:code>/issue/", issue, name="issue"),
    path("batch/", batch, name="batch"),
]

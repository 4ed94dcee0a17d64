"""Pages of the archive items: the list, the upload of many files, an item with its
metadata to confirm, and the downloads of the original and of the searchable copy."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive import services_items
from capuyso.archive.forms_items import ConfirmForm, UploadForm, confirm_initial
from capuyso.archive.ingest import PAGE_BREAK, Intake
from capuyso.archive.models import ArchiveItem
from capuyso.archive.selectors_items import (
    committee_dossier,
    doc_type_choices,
    dossier_choices,
    get_item_for_user,
    items_for_user,
)
from capuyso.core.forms import add_service_errors

PAGE_SIZE = 50
EXCERPT_CHARS = 3000
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")
OCR_STATUS_TEMPLATE = "archive/items/_ocr_status.html"  # written with the OCR part
CHUNK = 1024 * 1024


def _require(request, action: str) -> None:
    if not access_for(request.user).committee_wide(action):
        raise PermissionDenied


@login_required
def item_list(request):
    _require(request, Action.DOCUMENTS_VIEW)
    query = request.GET.get("q", "").strip()[:100]
    ocr = request.GET.get("ocr", "")
    ocr = ocr if ocr in ArchiveItem.OcrStatus.values else ""
    dossier = committee_dossier(request.user, request.GET.get("dossier", ""))
    items = items_for_user(request.user, dossier=dossier, ocr_status=ocr, query=query)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "ocr": ocr,
        "dossier": dossier,
        "ocr_choices": ArchiveItem.OcrStatus.choices,
        "query_string": params.urlencode(),
        "can_upload": access_for(request.user).committee_wide(Action.DOCUMENTS_REGISTER),
    }
    return render(request, "archive/items/list.html", context)


@login_required
def item_upload(request):
    """Many files at once, each checked on its own; one result line per file. Sending the
    same files twice adds nothing: the second time each is "already in the archive"."""
    _require(request, Action.DOCUMENTS_REGISTER)
    too_many = False
    if request.method == "POST":
        try:
            request.FILES  # noqa: B018 - parse the upload here, to catch too many files
        except TooManyFilesSent:
            too_many = True
    bound = request.POST if request.method == "POST" else None  # only files: POST is empty
    form = UploadForm(bound, committee=request.user.committee)
    summary = None
    if too_many:
        form.is_valid()
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        form.add_error(
            "files",
            ValidationError(
                _("At most %(limit)s files at a time; send the others in another batch.")
                % {"limit": limit},
                code="too_many_files",
            ),
        )
    elif request.method == "POST" and form.is_valid():
        uploads = request.FILES.getlist("files")
        if not uploads:
            form.add_error("files", _("Choose at least one file."))
        else:
            try:
                intake = Intake(
                    committee=request.user.committee,
                    actor=request.user,
                    dossier=form.cleaned_data["dossier"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                for upload in uploads:
                    intake.add_upload(upload)
                summary = {"counts": intake.summary()["counts"], "results": intake.results}
    context = {"form": form, "summary": summary, "dossier_options": dossier_choices(request.user)}
    return render(request, "archive/items/upload.html", context)


def _ocr_status_template() -> str:
    try:
        get_template(OCR_STATUS_TEMPLATE)
    except TemplateDoesNotExist:
        return "archive/items/_ocr_label.html"
    return OCR_STATUS_TEMPLATE


def _detail(request, item: ArchiveItem, form: ConfirmForm | None = None, status: int = 200):
    can_register = access_for(request.user).committee_wide(Action.DOCUMENTS_REGISTER)
    if form is None and can_register:
        doc_types = list(doc_type_choices(request.user))
        form = ConfirmForm(
            initial=confirm_initial(item, doc_types),
            committee=item.committee,
            doc_types=doc_type_choices(request.user),
        )
    proposed = item.proposed or {}
    try:
        proposed_date = dt.date.fromisoformat(proposed.get("document_date") or "")
    except ValueError:
        proposed_date = None
    context = {
        "item": item,
        "form": form,
        "can_register": can_register,
        "excerpt": item.text[:EXCERPT_CHARS].replace(PAGE_BREAK, "\n\n"),
        "excerpt_cut": len(item.text) > EXCERPT_CHARS,
        "proposed": proposed,
        "proposed_date": proposed_date,
        "ocr_status_template": _ocr_status_template(),
        "ocr_can_retry": can_register and item.disposed_at is None,
        "dossier_options": dossier_choices(request.user) if form is not None else (),
    }
    return render(request, "archive/items/detail.html", context, status=status)


@login_required
def item_detail(request, code):
    return _detail(request, get_item_for_user(request.user, code))


@login_required
@require_POST
def item_confirm(request, code):
    item = get_item_for_user(request.user, code, write=True)
    form = ConfirmForm(
        request.POST, committee=item.committee, doc_types=doc_type_choices(request.user)
    )
    if form.is_valid():
        try:
            services_items.item_confirm_metadata(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The item's metadata is confirmed."))
            return redirect("archive:item", item.code)
    return _detail(request, item, form)


def _serve(request, name: str, file_name: str, content_type: str, *, sha256: str = ""):
    """Stream a stored file; when its SHA-256 was recorded, only if it still matches."""
    try:
        if sha256:
            digest = hashlib.sha256()
            with default_storage.open(name, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() != sha256:
                return render(
                    request, "archive/items/file_damaged.html", {"name": file_name}, status=409
                )
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        content_type not in INLINE_TYPES or request.GET.get("download") == "1", file_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _disposed(request, item):
    """410: the files were destroyed when the dossier was disposed of; the record stays."""
    return render(request, "archive/items/file_disposed.html", {"item": item}, status=410)


@login_required
def item_original(request, code):
    item = get_item_for_user(request.user, code)
    if item.disposed_at is not None or not item.file:
        return _disposed(request, item)
    return _serve(request, item.file.name, item.source_name, item.content_type, sha256=item.sha256)


@login_required
def item_searchable(request, code):
    item = get_item_for_user(request.user, code)
    if item.disposed_at is not None:
        return _disposed(request, item)
    if not item.ocr_file:
        raise Http404
    stem = item.source_name.rpartition(".")[0] or item.source_name
    return _serve(request, item.ocr_file.name, f"{stem}-ocr.pdf", "application/pdf")

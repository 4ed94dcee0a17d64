"""The Import tab: upload a members workbook, see the planned outcome of every row, then
apply it or discard it. Thin views over capuyso.members.importing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from capuyso.documents.files import XLSX
from capuyso.members.importing import (
    ImportFileError,
    get_import_for_user,
    import_apply,
    import_discard,
    import_preview,
    import_recheck,
    imports_for_user,
    may_import,
)
from capuyso.members.models import ImportBatch

ROWS_PER_PAGE = 100
# Rows that need a person first, then what will be written, then the rest.
ROW_ORDER = {"rejected": 0, "review": 1, "updated": 2, "created": 3, "unchanged": 4}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        help_text=gettext_lazy(
            "The list of members as the commune keeps it in Excel: one or more sheets, a title "
            "row, then a header row with columns such as Họ và tên, Ngày sinh, Giới tính, "
            "Chi bộ, Số thẻ đảng, Số CCCD, Ngày vào Đảng."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )
    create_cells = forms.BooleanField(
        label=gettext_lazy("Create the cells the workbook names that do not exist yet"),
        required=False,
        help_text=gettext_lazy("For a commune's first import. Otherwise their rows are refused."),
    )


def _require_import(request) -> None:
    if not may_import(request.user):
        raise PermissionDenied


@login_required
def import_start(request):
    _require_import(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_preview(
                actor=request.user,
                upload=form.cleaned_data["file"],
                create_cells=form.cleaned_data["create_cells"],
            )
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect("members:import_preview", batch.code)
    batches = imports_for_user(request.user)[:20]
    return render(request, "members/import.html", {"form": form, "batches": batches})


@login_required
def import_preview_page(request, code):
    batch = get_import_for_user(request.user, code)
    report = batch.report or {}
    shown = request.GET.get("status", "")
    if shown not in ROW_ORDER:
        shown = ""
    sheet_order = {s["sheet"]: i for i, s in enumerate(report.get("sheets", []))}
    rows = sorted(
        report.get("rows", []),
        key=lambda r: (ROW_ORDER.get(r["status"], 9), sheet_order.get(r["sheet"], 99), r["row"]),
    )
    if shown:
        rows = [r for r in rows if r["status"] == shown]
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    counts = report.get("counts", {})
    context = {
        "batch": batch,
        "report": report,
        "counts": counts,
        "total": sum(counts.values()),
        "page": page,
        "shown": shown,
        "query_string": f"status={shown}" if shown else "",
        "statuses": [(s, counts.get(s, 0)) for s in ROW_ORDER],
        "skipped_sheets": [s for s in report.get("sheets", []) if s.get("code")],
        "read_sheets": [s for s in report.get("sheets", []) if not s.get("code")],
        "previewed": batch.status == ImportBatch.Status.PREVIEWED,
    }
    template = "members/import_preview.html"
    if request.htmx:
        template += "#import-rows"
    return render(request, template, context)


@require_POST
@login_required
def import_apply_view(request, code):
    batch = get_import_for_user(request.user, code)
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.info(
            request,
            _("This import was already %(status)s.")
            % {"status": batch.get_status_display().lower()},
        )
        return redirect("members:import_preview", batch.code)
    try:
        batch = import_apply(actor=request.user, batch=batch)
    except ImportFileError as exc:
        messages.error(request, exc.messages[0])
        return redirect("members:import_preview", batch.code)
    counts = batch.report["counts"]
    messages.success(
        request,
        _(
            "Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(rejected)s refused, %(review)s to review."
        )
        % counts,
    )
    return redirect("members:import_preview", batch.code)


@require_POST
@login_required
def import_discard_view(request, code):
    batch = get_import_for_user(request.user, code)
    if batch.status == ImportBatch.Status.PREVIEWED:
        import_discard(actor=request.user, batch=batch)
        messages.success(request, _("The import was discarded; nothing was written."))
    return redirect("members:import")


@require_POST
@login_required
def import_recheck_view(request, code):
    batch = get_import_for_user(request.user, code)
    try:
        import_recheck(
            actor=request.user, batch=batch, create_cells=request.POST.get("create_cells") == "1"
        )
    except ImportFileError as exc:
        messages.error(request, exc.messages[0])
    return redirect("members:import_preview", batch.code)

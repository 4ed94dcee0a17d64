"""Bank statement pages: import a statement, see what matched, resolve what did not.
Committee-wide FEES_MANAGE (the committee's office). Thin views over
`capuyso.fees.services.statements`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from capuyso.core.pagination import CappedPaginator
from capuyso.fees.forms_statements import (
    LineIgnoreForm,
    LineRemittanceForm,
    LineResolveForm,
    StatementUploadForm,
)
from capuyso.fees.models import StatementLine
from capuyso.fees.services import statements as service
from capuyso.fees.statements import LAYOUTS, LAYOUTS_BY_KEY

LINES_PER_PAGE = 100
STATEMENTS_PER_PAGE = 20
Status = StatementLine.Status


def _add_errors(form, error: ValidationError, field: str | None = None) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, error)


def _annotate(lines) -> list[StatementLine]:
    lines = list(lines)
    for line in lines:
        line.reason = service.line_reason(line)
    return lines


@login_required
def statements(request):
    committee = service.require_statements(request.user)
    form = StatementUploadForm(request.POST or None, request.FILES or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = service.statement_import(
                actor=request.user,
                committee=committee,
                file_name=upload.name,
                data=upload.read(),
                account=form.cleaned_data["account"],
            )
        except ValidationError as exc:
            _add_errors(form, exc, "file")
        else:
            report.unmatched = _annotate(report.unmatched)
            return render(request, "fees/statement_result.html", {"report": report})
    listed = service.statements_for_user(request.user)
    page = CappedPaginator(listed, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    unmatched = service.unmatched_lines_for_user(request.user).count()
    return render(
        request,
        "fees/statements.html",
        {
            "form": form,
            "page": page,
            "unmatched_count": unmatched,
            "layouts": LAYOUTS,
            "layout_names": {key: layout.label for key, layout in LAYOUTS_BY_KEY.items()},
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def statement_detail(request, code):
    statement = service.get_statement_for_user(request.user, code)
    shown = request.GET.get("status", "")
    if shown not in Status.values:
        shown = ""
    lines = statement.lines.select_related("member", "payment", "remittance__cell")
    if shown:
        lines = lines.filter(status=shown)
    counts = statement.lines.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in Status.values}
    )
    page = CappedPaginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _annotate(page.object_list)
    return render(
        request,
        "fees/statement_detail.html",
        {
            "statement": statement,
            "layout": LAYOUTS_BY_KEY.get(statement.layout),
            "page": page,
            "shown": shown,
            "query_string": f"status={shown}" if shown else "",
            "statuses": [(s, label, counts[s]) for s, label in Status.choices],
        },
    )


@require_GET
@login_required
def statement_unmatched(request):
    lines = service.unmatched_lines_for_user(request.user)
    page = CappedPaginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _annotate(page.object_list)
    return render(request, "fees/statement_unmatched.html", {"page": page})


def _line_page(request, line, *, resolve=None, remit=None, ignore=None, status=200):
    committee = line.committee
    query = request.GET.get("q", "").strip()
    candidates = service.member_candidates(committee, query) if query else []
    if line.member is not None and line.member not in candidates:
        candidates.insert(0, line.member)
    initial = {"month": line.month.strftime("%m/%Y") if line.month else ""}
    if line.member is not None:
        initial["member"] = line.member.code
    context = {
        "line": line,
        "reason": service.line_reason(line),
        "query": query,
        "candidates": candidates,
        "resolve_form": resolve or LineResolveForm(committee=committee, initial=initial),
        "remit_form": remit or LineRemittanceForm(committee=committee, initial=initial),
        "ignore_form": ignore or LineIgnoreForm(),
        "is_open": line.status == Status.UNMATCHED,
    }
    template = "fees/statement_line.html"
    if request.htmx and request.method == "GET":
        template += "#candidates"
    return render(request, template, context, status=status)


@require_GET
@login_required
def statement_line(request, code):
    line = service.get_line_for_user(request.user, code)
    return _line_page(request, line)


def _done(request, line):
    return redirect("fees:statement_line", line.code)


def _refused(request, line, form, error: ValidationError):
    """A line already dealt with goes back to its page with the message; other refusals
    are shown on the form."""
    if getattr(error, "code", None) == "line_not_open":
        messages.warning(request, error.messages[0])
        return _done(request, line)
    _add_errors(form, error)
    return None


@require_POST
@login_required
def statement_line_resolve(request, code):
    line = service.get_line_for_user(request.user, code)
    form = LineResolveForm(request.POST, committee=line.committee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.statement_line_resolve(
                actor=request.user,
                line=line,
                member=data["member"],
                month=data["month"],
                book_month=data["book_month"],
                note=data["note"],
            )
        except ValidationError as exc:
            if (refused := _refused(request, line, form, exc)) is not None:
                return refused
        else:
            messages.success(
                request,
                _("The line is recorded as %(name)s's fee for %(month)s.")
                % {"name": data["member"].full_name, "month": data["month"].strftime("%m/%Y")},
            )
            return _done(request, line)
    return _line_page(request, line, resolve=form, status=400)


@require_POST
@login_required
def statement_line_remit(request, code):
    line = service.get_line_for_user(request.user, code)
    form = LineRemittanceForm(request.POST, committee=line.committee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.statement_line_resolve_remittance(
                actor=request.user,
                line=line,
                cell=data["cell"],
                month=data["month"],
                note=data["note"],
            )
        except ValidationError as exc:
            if (refused := _refused(request, line, form, exc)) is not None:
                return refused
        else:
            messages.success(request, _("The line is recorded as the cell's remittance."))
            return _done(request, line)
    return _line_page(request, line, remit=form, status=400)


@require_POST
@login_required
def statement_line_ignore(request, code):
    line = service.get_line_for_user(request.user, code)
    form = LineIgnoreForm(request.POST)
    if form.is_valid():
        try:
            service.statement_line_ignore(
                actor=request.user, line=line, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            if (refused := _refused(request, line, form, exc)) is not None:
                return refused
        else:
            messages.success(request, _("The line is marked as not a fee."))
            return _done(request, line)
    return _line_page(request, line, ignore=form, status=400)

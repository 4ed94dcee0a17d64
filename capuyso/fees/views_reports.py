"""The fee reports page: choose a cell's fee book or the committee's summary, a month,
quarter or year, and see it on screen or download it as XLSX or PDF. A cell's book needs
FEES_VIEW over the cell, the summary over the whole committee; outsiders get 404 for a cell
of another committee. Every download is audited (Verb.EXPORT)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.fees import reports
from capuyso.fees.access import (
    committee_of,
    get_cell_for_user,
    may_view_cell,
    may_view_committee,
    require_committee,
)
from capuyso.fees.reports_pdf import shown_tables, write_pdf
from capuyso.org.models import Unit

COMMITTEE = "committee"
KINDS = (
    ("month", pgettext_lazy("report period", "Month")),
    ("quarter", pgettext_lazy("report period", "Quarter")),
    ("year", pgettext_lazy("report period", "Year")),
)
FORMATS = (
    ("html", _("On screen")),
    ("xlsx", _("Excel (.xlsx)")),
    ("pdf", _("PDF")),
)


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=_("Report"))
    kind = forms.ChoiceField(label=_("Period"), choices=KINDS, initial="month")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2099)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="html")

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "month" and not data.get("month"):
            self.add_error("month", forms.ValidationError(_("Choose the month."), code="required"))
        if kind == "quarter" and not data.get("quarter"):
            self.add_error(
                "quarter", forms.ValidationError(_("Choose the quarter."), code="required")
            )
        return data

    def period(self) -> reports.Period:
        data = self.cleaned_data
        kind = data["kind"]
        return reports.Period(
            data["year"],
            month=data["month"] if kind == "month" else None,
            quarter=data["quarter"] if kind == "quarter" else None,
        )


def _scopes(user) -> list[tuple[str, str]]:
    committee = committee_of(user)
    choices: list[tuple[str, str]] = []
    if may_view_committee(user):
        choices.append((COMMITTEE, str(_("Committee summary by cell"))))
    cells = Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL).order_by(
        "sort_order", "name_folded"
    )
    label = _("Fee book: %(cell)s")
    choices += [
        (str(c.code), str(label % {"cell": c.name})) for c in cells if may_view_cell(user, c)
    ]
    return choices


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def reports_page(request):
    if not access_for(request.user).has(Action.FEES_VIEW):
        raise PermissionDenied
    today = timezone.localdate()
    scope_given = request.GET.get("scope")
    form = ReportForm(
        request.GET if scope_given else None,
        scopes=_scopes(request.user),
        initial={"year": today.year, "month": today.month, "kind": "month"},
    )
    if scope_given:
        # The door first: a cell of another committee is 404, a cell outside the scope 403.
        if scope_given == COMMITTEE:
            require_committee(request.user)
        else:
            get_cell_for_user(request.user, scope_given)
    report = None
    if scope_given and form.is_valid():
        period = form.period()
        scope = form.cleaned_data["scope"]
        if scope == COMMITTEE:
            committee = require_committee(request.user)
            report = reports.committee_summary(committee, period)
        else:
            cell = get_cell_for_user(request.user, scope)
            report = reports.cell_book(cell, period)
        fmt = form.cleaned_data["format"]
        if fmt in reports.FORMATS:
            if fmt == "xlsx":
                data, content_type = reports.write_xlsx(report), reports.XLSX_TYPE
            else:
                data, content_type = write_pdf(report), reports.PDF_TYPE
            audit_record(
                actor=request.user,
                verb=Verb.EXPORT,
                committee=request.user.committee,
                object_type="fees.report",
                object_id="" if scope == COMMITTEE else scope,
                object_label=f"{report.title} – {period.text} ({fmt})"[:255],
                changes={"format": fmt, "scope": scope, "period": period.slug},
            )
            return _download(data, content_type, report.filename(fmt))
    status = 400 if scope_given and not form.is_valid() else 200
    downloads = {}
    for fmt in reports.FORMATS:
        query = request.GET.copy()
        query["format"] = fmt
        downloads[fmt] = query.urlencode()
    return render(
        request,
        "fees/reports.html",
        {
            "form": form,
            "report": report,
            "tables": shown_tables(report) if report else [],
            "downloads": downloads,
        },
        status=status,
    )

"""The registry books as files, and the document figures."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.core.forms import add_service_errors
from capuyso.documents import exports
from capuyso.documents.forms.config import FiguresForm, RegistryExportForm
from capuyso.documents.selectors import (
    figure_units_for_user,
    figures_for_user,
    may_see_figures,
    registry_unit_choices,
    unit_figures_for_user,
)


@login_required
def registry_export(request):
    """Choose a book and a period; the file downloads. Committee-wide registrars export the
    Office's books, a cell secretary their cell's."""
    units = registry_unit_choices(request.user)
    if not units:
        raise PermissionDenied
    form = RegistryExportForm(
        request.POST or None,
        units=units,
        initial={"unit": units[0].code, "year": timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit, kind, fmt = data["unit"], data["kind"], data["fmt"]
        committee = request.user.committee
        try:
            _check_pdf_size(committee, kind, data["start"], data["end"], unit, fmt)
            export = exports.export_registry(
                committee, kind, data["start"], data["end"], unit=unit, fmt=fmt
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            audit_record(
                actor=request.user,
                verb=Verb.EXPORT,
                committee=committee,
                object_type="registry",
                object_id=f"{unit.code}:{kind}",
                object_label=f"{export.title} ({fmt})",
                changes={
                    "kind": kind,
                    "from": data["start"].isoformat(),
                    "to": data["end"].isoformat(),
                    "format": fmt,
                    "rows": export.rows,
                },
            )
            response = HttpResponse(export.content, content_type=export.content_type)
            response["Content-Disposition"] = content_disposition_header(True, export.filename)
            return response
    return render(request, "documents/registry.html", {"form": form, "units": units})


def pdf_row_limit() -> int:
    """Rows a PDF may hold when made while the user waits: WeasyPrint lays out some 25–50
    table rows a second, where the spreadsheet takes 5,000 rows in under a second."""
    return settings.DOCUMENT_REGISTRY_PDF_MAX_ROWS


def _check_pdf_size(committee, kind, start, end, unit, fmt) -> None:
    if fmt != "pdf":
        return
    rows = exports.registry_row_count(committee, kind, start, end, unit=unit)
    if rows > pdf_row_limit():
        raise ValidationError(
            _(
                "This period holds %(rows)s documents; a PDF is made for at most %(limit)s. "
                "Choose a shorter period, or download the spreadsheet (XLSX), which prints "
                "the same columns."
            )
            % {"rows": rows, "limit": pdf_row_limit()}
        )


def _quick_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        (_("This month"), today.replace(day=1), today),
        (_("This quarter"), quarter_start, today),
        (_("This year"), dt.date(today.year, 1, 1), today),
    ]


def _duration(hours: float | None) -> dict | None:
    if hours is None:
        return None
    return {"hours": hours, "days": round(hours / 24, 1) if hours > 48 else None}


@login_required
def figures(request):
    """The seed's figures over a period, for the whole scope or one unit, and per unit."""
    if not may_see_figures(request.user):
        raise PermissionDenied
    units = figure_units_for_user(request.user)
    form = FiguresForm(request.GET or None, units=units)
    today = timezone.localdate()
    start, end, unit = dt.date(today.year, 1, 1), today, None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        unit = form.cleaned_data["unit"]
    summary = figures_for_user(request.user, start=start, end=end, unit=unit)
    rows = unit_figures_for_user(
        request.user,
        start=start,
        end=end,
        units=[u for u in units if unit is None or u.path.startswith(unit.path)],
    )
    base = reverse("documents:figures")
    unit_param = {"unit": str(unit.code)} if unit else {}
    quick = []
    for label, first, last in _quick_periods(today):
        query = urlencode({"start": first.isoformat(), "end": last.isoformat(), **unit_param})
        quick.append(
            {"label": label, "url": f"{base}?{query}", "active": (first, last) == (start, end)}
        )
    context = {
        "form": form,
        "figures": summary,
        "rows": rows,
        "unit": unit,
        "start": start,
        "end": end,
        "quick": quick,
        "median": _duration(summary.handling_hours_median),
        "p90": _duration(summary.handling_hours_p90),
    }
    template = "documents/figures.html#figures-body" if request.htmx else "documents/figures.html"
    return render(request, template, context)


urlpatterns = [
    path("registry/", registry_export, name="registry"),
    path("figures/", figures, name="figures"),
]

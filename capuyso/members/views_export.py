"""Downloads of the member list: XLSX and PDF of what the list page shows for the same GET
query, and the member card data as CSV.

Each needs MEMBERS_VIEW_FILE over what it exports (a cell secretary exports their cell,
the Ban Xây dựng Đảng and leaders the committee); a `cell` of another committee is a
404, as on the list page. Every download is audited (Verb.EXPORT, with the filters and
the number of members). The list page links here with its query string
(members/_export_links.html).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.members import exports
from capuyso.members.models import Member
from capuyso.members.selectors import MemberFilters
from capuyso.org.models import Unit

EXPORT_ACTION = Action.MEMBERS_VIEW_FILE


@dataclass
class ExportList:
    members: QuerySet[Member]
    filters: MemberFilters
    cell: Unit | None
    description: str


def export_members(user, query) -> ExportList:
    """What the list page shows for `query`, limited to the members the user may open
    (MEMBERS_VIEW_FILE), with the filters described for the title rows."""
    listed = exports.listed_members(user, query, action=EXPORT_ACTION)
    scope = _scope_text(user, access_for(user), listed.cell)
    return ExportList(
        members=listed.members,
        filters=listed.filters,
        cell=listed.cell,
        description=exports.describe_filters(listed.filters, scope=scope),
    )


def _scope_text(user, access, cell: Unit | None) -> str:
    """The cell asked for, or the units a unit-scoped user's export covers."""
    if cell is not None:
        return cell.name
    if access.committee_wide(EXPORT_ACTION):
        return ""
    paths = access.unit_paths(EXPORT_ACTION)
    names = Unit.objects.filter(committee_id=user.committee_id, path__in=paths).order_by(
        "name_folded"
    )
    return ", ".join(names.values_list("name", flat=True))


def _audit(user, export: ExportList, fmt: str, count: int) -> None:
    filters = {name: value for name, value in asdict(export.filters).items() if value}
    if export.cell is not None:
        filters["cell_name"] = export.cell.name
    audit_record(
        actor=user,
        verb=Verb.EXPORT,
        committee=user.committee,
        object_type="members.list",
        object_id=str(export.cell.code) if export.cell is not None else "",
        object_label=f"{exports.LIST_TITLE} ({fmt}): {export.description}"[:255],
        changes={"format": fmt, "filters": filters, "rows": count},
    )


def _download(content, content_type: str, name: str, *, stream: bool = False):
    response_class = StreamingHttpResponse if stream else HttpResponse
    response = response_class(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def export_xlsx(request):
    export = export_members(request.user, request.GET)
    committee = request.user.committee
    heading = exports.heading_for(committee, export.description)
    content, count = exports.write_xlsx(heading, exports.list_rows(export.members))
    _audit(request.user, export, "xlsx", count)
    name = exports.filename("xlsx", committee, export.cell)
    return _download(content, exports.XLSX_TYPE, name)


@require_GET
@login_required
def export_pdf(request):
    export = export_members(request.user, request.GET)
    count = export.members.count()
    limit = exports.pdf_max_rows()
    if count > limit:
        messages.error(
            request,
            _(
                "This list holds %(count)s members; a PDF is made for at most %(limit)s. "
                "Narrow the list (a cell, a status), or download the spreadsheet (XLSX), "
                "which prints the same columns."
            )
            % {"count": count, "limit": limit},
        )
        return redirect(f"{reverse('members:list')}?{request.GET.urlencode()}")
    committee = request.user.committee
    heading = exports.heading_for(committee, export.description)
    content, count = exports.write_pdf(heading, exports.list_rows(export.members))
    _audit(request.user, export, "pdf", count)
    return _download(content, exports.PDF_TYPE, exports.filename("pdf", committee, export.cell))


@require_GET
@login_required
def export_cards_csv(request):
    """The card data of the listed members, streamed (UTF-8 with BOM, for Excel)."""
    export = export_members(request.user, request.GET)
    _audit(request.user, export, "csv", export.members.count())
    name = exports.filename("csv", request.user.committee, export.cell)
    lines = exports.csv_lines(exports.card_rows(export.members))
    return _download(lines, exports.CSV_TYPE, name, stream=True)

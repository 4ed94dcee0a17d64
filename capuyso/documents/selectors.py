"""Reads of documents, already scoped to what the acting user may see."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.text import fold
from capuyso.documents import search
from capuyso.documents.access import active_delegations, position_unit_ids
from capuyso.documents.models import (
    Assignment,
    DocumentRead,
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
    Review,
    StoredFile,
)
from capuyso.org.selectors import path_filter


def incoming_for_user(user) -> QuerySet[IncomingDocument]:
    """Incoming documents the user may see: the committee's (committee-wide readers), their
    unit's inbox (cell secretaries), and whatever is assigned to them or submitted to them."""
    access = access_for(user)
    if access.committee_id is None:
        return IncomingDocument.objects.none()
    documents = IncomingDocument.objects.filter(committee_id=access.committee_id)
    if access.committee_wide(Action.DOCUMENTS_VIEW):
        return documents
    # One UNION of index lookups: an OR of these conditions (or a correlated EXISTS) makes
    # SQLite test every document of the committee (~0.5 s at 200,000 documents).
    from capuyso.org.models import Unit

    visible = Assignment.objects.filter(
        Q(user=user) | Q(unit_id__in=position_unit_ids(user))
    ).values("document_id")
    parts = [IncomingDocument.objects.filter(submitted_to=user).values("pk")]
    paths = access.unit_paths(Action.DOCUMENTS_VIEW)
    if paths:
        units = Unit.objects.filter(committee_id=access.committee_id).filter(
            path_filter(paths, "path")
        )
        parts.append(
            IncomingDocument.objects.filter(
                receiving_unit_id__in=list(units.values_list("pk", flat=True))
            ).values("pk")
        )
    return documents.filter(pk__in=visible.union(*parts))


def _search(documents, query: str, kind: str, committee_id, newest: int | None = None):
    """Reference prefix ("09-KH" finds "09-KH/ĐU") or every word in the folded text."""
    query = query.strip()[:120]
    if not query:
        return documents
    folded = fold(query.removeprefix("Số ").removeprefix("số "))
    return documents.filter(search.reference_or_text(kind, folded, committee_id, newest=newest))


@dataclass
class IncomingFilters:
    q: str = ""
    status: str = ""
    doc_type: str = ""  # DocumentType code
    issuer: str = ""  # text, folded match
    urgency: str = ""
    handler: str = ""  # a user code: assignments to them
    unit: str = ""  # a unit code: received by, or assigned to
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due_before: dt.date | None = None
    overdue: bool = False
    year: int | None = None


def _only_search(filters) -> bool:
    return all(not getattr(filters, f.name) for f in dataclasses.fields(filters) if f.name != "q")


# Lists are newest first and count to 1,000 at most (core.pagination.CappedPaginator): a
# search that is the only criterion over a whole committee needs no more text matches.
NEWEST_MATCHES = 1001


def filter_incoming(documents, filters: IncomingFilters, *, committee_id, whole_committee=False):
    """`whole_committee`: the user sees every document of the committee (then a bare search
    may stop at the newest NEWEST_MATCHES text matches)."""
    newest = NEWEST_MATCHES if whole_committee and _only_search(filters) else None
    documents = _search(documents, filters.q, "incoming", committee_id, newest)
    if filters.status:
        if filters.status == "open":
            documents = documents.filter(status__in=IncomingDocument.OPEN_STATUSES)
        else:
            documents = documents.filter(status=filters.status)
    if filters.doc_type:
        documents = documents.filter(doc_type__code=filters.doc_type)
    if filters.issuer:
        issuer = search.condition("incoming", filters.issuer, committee_id, issuer_only=True)
        if issuer is not None:
            documents = documents.filter(issuer)
    if filters.urgency:
        documents = documents.filter(urgency=filters.urgency)
    if filters.handler:
        documents = documents.filter(
            Exists(Assignment.objects.filter(document=OuterRef("pk"), user__code=filters.handler))
        )
    if filters.unit:
        documents = documents.filter(
            Q(receiving_unit__code=filters.unit)
            | Exists(Assignment.objects.filter(document=OuterRef("pk"), unit__code=filters.unit))
        )
    if filters.received_from:
        documents = documents.filter(received_at__date__gte=filters.received_from)
    if filters.received_to:
        documents = documents.filter(received_at__date__lte=filters.received_to)
    if filters.due_before:
        documents = documents.filter(due_date__lte=filters.due_before)
    if filters.overdue:
        documents = documents.filter(
            status__in=IncomingDocument.OPEN_STATUSES, due_date__lt=timezone.localdate()
        )
    if filters.year:
        documents = documents.filter(year=filters.year)
    return documents


def get_incoming_for_user(user, code) -> IncomingDocument:
    """One incoming document: 404 outside the committee, 403 without the right to see it."""
    access = access_for(user)
    try:
        document = IncomingDocument.objects.select_related(
            "receiving_unit", "doc_type", "issuer", "submitted_to", "registered_by", "dossier"
        ).get(code=code, committee_id=access.committee_id)
    except (IncomingDocument.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not incoming_for_user(user).filter(pk=document.pk).exists():
        raise PermissionDenied
    return document


def outgoing_for_user(user) -> QuerySet[OutgoingDocument]:
    """Outgoing documents: committee-wide readers see the committee's; a cell secretary sees
    the cell's; drafters, reviewers and signers see the drafts they work on."""
    access = access_for(user)
    if access.committee_id is None:
        return OutgoingDocument.objects.none()
    documents = OutgoingDocument.objects.filter(committee_id=access.committee_id)
    if access.committee_wide(Action.DOCUMENTS_VIEW):
        return documents
    reviewing = Review.objects.filter(document=OuterRef("pk"), reviewer=user)
    condition = Q(drafted_by=user) | Q(signer=user) | Q(Exists(reviewing))
    paths = access.unit_paths(Action.DOCUMENTS_VIEW)
    if paths:
        condition |= path_filter(paths, "issuing_path")
    return documents.filter(condition)


@dataclass
class OutgoingFilters:
    q: str = ""
    status: str = ""
    doc_type: str = ""
    unit: str = ""  # issuing unit code
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    signer: str = ""
    year: int | None = None


def filter_outgoing(documents, filters: OutgoingFilters, *, committee_id, whole_committee=False):
    newest = NEWEST_MATCHES if whole_committee and _only_search(filters) else None
    documents = _search(documents, filters.q, "outgoing", committee_id, newest)
    if filters.status:
        documents = documents.filter(status=filters.status)
    if filters.doc_type:
        documents = documents.filter(doc_type__code=filters.doc_type)
    if filters.unit:
        documents = documents.filter(issuing_unit__code=filters.unit)
    if filters.issued_from:
        documents = documents.filter(issue_date__gte=filters.issued_from)
    if filters.issued_to:
        documents = documents.filter(issue_date__lte=filters.issued_to)
    if filters.signer:
        documents = documents.filter(signer__code=filters.signer)
    if filters.year:
        documents = documents.filter(issue_date__year=filters.year)
    return documents


def get_outgoing_for_user(user, code) -> OutgoingDocument:
    access = access_for(user)
    try:
        document = OutgoingDocument.objects.select_related(
            "registry", "issuing_unit", "doc_type", "signer", "drafted_by", "in_reply_to"
        ).get(code=code, committee_id=access.committee_id)
    except (OutgoingDocument.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not outgoing_for_user(user).filter(pk=document.pk).exists():
        raise PermissionDenied
    return document


def get_file_for_user(user, code) -> StoredFile:
    """A stored file, served only to someone who may see a document that holds it."""
    access = access_for(user)
    try:
        stored = StoredFile.objects.get(code=code, committee_id=access.committee_id)
    except (StoredFile.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if incoming_for_user(user).filter(files=stored).exists():
        return stored
    outgoing = outgoing_for_user(user)
    if outgoing.filter(Q(versions__file=stored) | Q(signed_file=stored)).exists():
        return stored
    raise PermissionDenied


# --- the person's own work -----------------------------------------------------------


@dataclass
class WorkItem:
    title: str
    url_code: str
    kind: str  # "assignment", "direction", "approval", "review"
    due_date: dt.date | None
    overdue: bool
    due_soon: bool
    role: str = ""


def open_assignments_for(user) -> QuerySet[Assignment]:
    unit_ids = position_unit_ids(user)
    return (
        Assignment.objects.filter(committee_id=user.committee_id)
        .filter(Q(user=user) | Q(unit_id__in=unit_ids))
        .exclude(status=Assignment.Status.DONE)
        .exclude(role=Assignment.Role.FYI)
        .filter(document__status__in=IncomingDocument.OPEN_STATUSES)
        .select_related("document", "unit")
        .order_by("due_date", "created_at")
    )


def work_for_user(user, *, limit: int = 20) -> list[WorkItem]:
    """What waits on the user: assignments (overdue first), documents to direct, drafts to
    approve or review. Shown on the home page."""
    from capuyso.documents.models import Delegation

    if user.committee_id is None:
        return []
    today = timezone.localdate()
    soon = today + dt.timedelta(days=settings.DOCUMENT_DUE_SOON_DAYS)
    items: list[WorkItem] = []
    for a in open_assignments_for(user)[:limit]:
        due = a.due_date
        items.append(
            WorkItem(
                title=_doc_title(a.document),
                url_code=f"in:{a.document.code}",
                kind="assignment",
                due_date=due,
                overdue=bool(due and due < today),
                due_soon=bool(due and today <= due <= soon),
                role=a.get_role_display(),
            )
        )
    principals = [user.pk] + list(
        active_delegations(Delegation.Scope.DIRECTION, on=today)
        .filter(delegate=user)
        .values_list("grantor_id", flat=True)
    )
    waiting = IncomingDocument.objects.filter(
        committee_id=user.committee_id,
        status=IncomingDocument.Status.SUBMITTED,
        submitted_to_id__in=principals,
    ).order_by("due_date", "received_at")[:limit]
    items.extend(
        WorkItem(
            title=_doc_title(d),
            url_code=f"in:{d.code}",
            kind="direction",
            due_date=d.due_date,
            overdue=bool(d.due_date and d.due_date < today),
            due_soon=bool(d.due_date and today <= d.due_date <= soon),
        )
        for d in waiting
    )
    signing_for = [user.pk] + list(
        active_delegations(Delegation.Scope.SIGNING, on=today)
        .filter(delegate=user)
        .values_list("grantor_id", flat=True)
    )
    to_approve = OutgoingDocument.objects.filter(
        committee_id=user.committee_id,
        status=OutgoingDocument.Status.IN_REVIEW,
        signer_id__in=signing_for,
    )[:limit]
    items.extend(
        WorkItem(o.summary[:150], f"out:{o.code}", "approval", None, False, False)
        for o in to_approve
    )
    reviews = Review.objects.filter(reviewer=user, verdict=Review.Verdict.PENDING).select_related(
        "document"
    )[:limit]
    items.extend(
        WorkItem(r.document.summary[:150], f"out:{r.document.code}", "review", None, False, False)
        for r in reviews
    )
    return items


def _doc_title(document: IncomingDocument) -> str:
    summary = "" if document.summary_withheld and not document.summary else document.summary
    return f"{document.reference} {summary}".strip()[:160] or document.issuer_name


# --- distribution and read receipts -------------------------------------------------


@dataclass
class RecipientRow:
    recipient: OutgoingRecipient
    delivered: IncomingDocument | None
    first_read_at: dt.datetime | None
    first_reader: str
    readers: int


def distribution_for(document: OutgoingDocument) -> list[RecipientRow]:
    """One row per recipient: delivered copy, who first opened it and when."""
    rows = []
    # Only what the table shows: a dispatch to every cell is ~60 rows, each with its copy.
    recipients = list(
        document.recipients.select_related("unit", "target_committee", "delivered")
        .only(
            "id",
            "code",
            "committee_id",
            "document_id",
            "name",
            "method",
            "sent_at",
            "last_reminded_at",
            "unit__id",
            "unit__name",
            "unit__code",
            "target_committee__id",
            "target_committee__name",
            "delivered__id",
            "delivered__code",
            "delivered__committee_id",
            "delivered__arrival_number",
            "delivered__year",
            "delivered__source_recipient_id",
        )
        .order_by("method", "name")
    )
    delivered_ids = [
        r.delivered.pk for r in recipients if getattr(r, "delivered", None) is not None
    ]
    reads: dict[int, list[DocumentRead]] = {}
    for read in (
        DocumentRead.objects.filter(document_id__in=delivered_ids)
        .select_related("user")
        .only("document_id", "first_opened_at", "user__id", "user__full_name")
        .order_by("first_opened_at")
    ):
        reads.setdefault(read.document_id, []).append(read)
    for recipient in recipients:
        delivered = getattr(recipient, "delivered", None)
        these = reads.get(delivered.pk, []) if delivered else []
        rows.append(
            RecipientRow(
                recipient=recipient,
                delivered=delivered,
                first_read_at=these[0].first_opened_at if these else None,
                first_reader=these[0].user.full_name if these else "",
                readers=len(these),
            )
        )
    return rows


# --- the seed's figures --------------------------------------------------------------


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    incoming_total: int
    incoming_electronic: int
    incoming_completed: int
    incoming_handled_on_platform: int
    outgoing_issued: int
    outgoing_signed: int
    handling_hours_median: float | None
    handling_hours_p90: float | None
    overdue_open: int
    completed_late: int

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def electronic_share(self):
        return self.share(self.incoming_electronic, self.incoming_total)

    @property
    def handled_share(self):
        return self.share(self.incoming_handled_on_platform, self.incoming_completed)

    @property
    def signed_share(self):
        return self.share(self.outgoing_signed, self.outgoing_issued)


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figures_for_user(user, *, start: dt.date, end: dt.date, unit=None) -> Figures:
    """The seed's figures over [start, end], from what the user may see, optionally for one
    unit (documents it received or led, documents it issued).

    - electronic share: incoming documents with an electronic copy on the platform (files,
      or delivered by the platform) over all registered (classified stubs stay on paper);
    - handled share: of the documents closed in the period, those closed through the
      platform's workflow;
    - signed share: issued outgoing documents carrying a digital signature;
    - handling time: registration to closing, in hours (median and 90th percentile);
    - overdue: open documents past their deadline today, and those closed after it.
    """
    incoming = incoming_for_user(user)
    outgoing = outgoing_for_user(user).filter(
        status__in=[OutgoingDocument.Status.ISSUED, OutgoingDocument.Status.CANCELLED]
    )
    if unit is not None:
        led = Assignment.objects.filter(
            document=OuterRef("pk"), unit__path__startswith=unit.path, role="lead"
        )
        incoming = incoming.filter(Q(receiving_path__startswith=unit.path) | Q(Exists(led)))
        outgoing = outgoing.filter(issuing_path__startswith=unit.path)
    elif access_for(user).committee_wide(Action.DOCUMENTS_VIEW):
        # The committee's own figures: its Office's books, not the cells' delivered copies.
        from capuyso.org.models import Unit

        incoming = incoming.filter(receiving_unit__kind=Unit.Kind.OFFICE)
    registered = incoming.filter(received_at__date__gte=start, received_at__date__lte=end)
    has_file = IncomingDocument.files.through.objects.filter(incomingdocument_id=OuterRef("pk"))
    electronic = registered.filter(
        Q(channel=IncomingDocument.Channel.PLATFORM) | Q(Exists(has_file))
    )
    completed = incoming.filter(completed_at__date__gte=start, completed_at__date__lte=end)
    durations = [
        (done - received).total_seconds() / 3600
        for received, done in completed.values_list("received_at", "completed_at")
    ]
    issued = outgoing.filter(issue_date__gte=start, issue_date__lte=end)
    today = timezone.localdate()
    return Figures(
        start=start,
        end=end,
        incoming_total=registered.count(),
        incoming_electronic=electronic.count(),
        incoming_completed=len(durations),
        incoming_handled_on_platform=completed.filter(handled_on_platform=True).count(),
        outgoing_issued=issued.count(),
        outgoing_signed=issued.filter(digitally_signed_at__isnull=False).count(),
        handling_hours_median=round(statistics.median(durations), 1) if durations else None,
        handling_hours_p90=(round(_percentile(durations, 0.9), 1) if durations else None),
        overdue_open=incoming.filter(
            status__in=IncomingDocument.OPEN_STATUSES, due_date__lt=today
        ).count(),
        completed_late=sum(
            1
            for due, done in completed.exclude(due_date__isnull=True).values_list(
                "due_date", "completed_at"
            )
            if timezone.localtime(done).date() > due
        ),
    )


# --- choices for the incoming pages --------------------------------------------------


def registry_units_for_user(user, action: str = Action.DOCUMENTS_REGISTER):
    """Offices whose books the user keeps: the committee Office (committee-wide registrars)
    and the cells (or sub-committees) where a unit position grants `action`."""
    from capuyso.org.models import Unit

    access = access_for(user)
    if access.committee_id is None:
        return []
    units = []
    if access.committee_wide(action):
        office = (
            Unit.objects.filter(
                committee_id=access.committee_id,
                kind=Unit.Kind.OFFICE,
                dissolved_on__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if office is not None:
            units.append(office)
    paths = access.unit_paths(action)
    if paths:
        ids = [int(p.strip("/").split("/")[-1]) for p in paths]
        units += list(Unit.objects.filter(pk__in=ids, dissolved_on__isnull=True).order_by("name"))
    return units


def document_types_for(committee_id, *, for_cell: bool = False):
    from capuyso.documents.services.config import active_types
    from capuyso.org.models import Committee

    return list(active_types(Committee(pk=committee_id), for_cell=for_cell))


def get_type_by_code(committee_id, code):
    from capuyso.documents.models import DocumentType

    try:
        return DocumentType.objects.get(committee_id=committee_id, code=code)
    except (DocumentType.DoesNotExist, ValueError, ValidationError):
        return None


def issuer_directory(committee_id):
    from capuyso.documents.models import IssuerBody

    return IssuerBody.objects.filter(committee_id=committee_id, is_active=True).order_by("name")


def issuer_by_name(committee_id, name: str):
    from capuyso.documents.models import IssuerBody

    folded = fold(name)
    if not folded:
        return None
    return IssuerBody.objects.filter(committee_id=committee_id, name_folded=folded).first()


def staged_files_for(user, codes: list[str]) -> list[StoredFile]:
    """Files the user uploaded in an earlier step of the same registration form."""
    if not codes:
        return []
    return list(
        StoredFile.objects.filter(
            committee_id=user.committee_id,
            uploaded_by=user,
            code__in=codes,
            incoming_documents__isnull=True,
        )
    )


def handler_options(committee_id):
    """Units (organs and cells) and people a document can be assigned to."""
    from capuyso.accounts.models import User
    from capuyso.org.models import Unit

    units = list(
        Unit.objects.filter(committee_id=committee_id, dissolved_on__isnull=True)
        .exclude(kind=Unit.Kind.PARTY_GROUP)
        .order_by("kind", "sort_order", "name")
    )
    units.sort(key=lambda u: (0 if u.is_organ else 1, u.sort_order, u.name))
    users = list(
        User.objects.filter(committee_id=committee_id, is_active=True, positions__isnull=False)
        .distinct()
        .order_by("full_name")
    )
    return units, users


def resolve_handler(committee_id, value: str):
    """'unit:<code>' or 'user:<code>' -> (unit, user), or (None, None)."""
    from capuyso.accounts.models import User
    from capuyso.org.models import Unit

    kind, _sep, code = (value or "").partition(":")
    try:
        if kind == "unit":
            return Unit.objects.get(committee_id=committee_id, code=code), None
        if kind == "user":
            return None, User.objects.get(committee_id=committee_id, code=code)
    except (Unit.DoesNotExist, User.DoesNotExist, ValueError, ValidationError):
        pass
    return None, None


def leaders_for_committee(committee_id):
    from capuyso.documents.services.incoming import leaders_for

    return list(leaders_for(committee_id))


def get_user_in_committee(committee_id, code):
    from capuyso.accounts.models import User

    try:
        return User.objects.get(committee_id=committee_id, code=code)
    except (User.DoesNotExist, ValueError, ValidationError):
        return None


def open_dossiers(committee_id):
    from capuyso.archive.models import Dossier

    year = timezone.localdate().year
    return Dossier.objects.filter(
        committee_id=committee_id, closed_at__isnull=True, year__gte=year - 1
    ).order_by("-year", "file_number")


def get_dossier(committee_id, code):
    from capuyso.archive.models import Dossier

    try:
        return Dossier.objects.get(committee_id=committee_id, code=code)
    except (Dossier.DoesNotExist, ValueError, ValidationError):
        return None


def reply_candidates(user, document: IncomingDocument):
    """Outgoing documents that can be linked as the reply: replies to this document first,
    then the user's recent drafts and issued documents."""
    return (
        outgoing_for_user(user)
        .exclude(status=OutgoingDocument.Status.CANCELLED)
        .filter(Q(in_reply_to=document) | Q(drafted_by=user))
        .order_by("-created_at")[:30]
    )


def get_assignment_for_user(user, code) -> Assignment:
    """An assignment of a document the user may see (404 outside, 403 otherwise)."""
    access = access_for(user)
    try:
        assignment = Assignment.objects.select_related("document", "unit", "user").get(
            code=code, committee_id=access.committee_id
        )
    except (Assignment.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not incoming_for_user(user).filter(pk=assignment.document_id).exists():
        raise PermissionDenied
    return assignment


def incoming_timeline(document: IncomingDocument):
    return document.events.select_related("actor", "on_behalf_of", "assignment").order_by(
        "created_at", "id"
    )


def incoming_assignments(document: IncomingDocument):
    return list(
        document.assignments.select_related("unit", "user", "reply", "assigned_by").order_by(
            "parent_id", "created_at"
        )
    )


# --- choices for the outgoing pages ---------------------------------------------------


def draft_templates_for(unit):
    """Active draft templates of the unit's committee: cell templates for a cell."""
    from capuyso.documents.models import DraftTemplate
    from capuyso.org.models import Unit

    return DraftTemplate.objects.filter(
        committee_id=unit.committee_id,
        is_active=True,
        for_cells=unit.kind == Unit.Kind.CELL,
    ).select_related("doc_type")


def platform_committees(committee):
    """Other committees on the platform that a committee can send a document to: the
    commune committees under the same city committee."""
    from capuyso.org.models import Committee

    if committee.parent_id is None:
        return Committee.objects.none()
    return (
        Committee.objects.filter(parent_id=committee.parent_id, is_active=True)
        .exclude(pk=committee.pk)
        .order_by("name")
    )


def recipient_units_for(issuing_unit):
    """Units of the committee a document can be delivered to on the platform: its organs
    (the Office included, for a cell reporting upwards) and its cells."""
    from django.db.models import Case, Value, When

    from capuyso.org.models import Unit

    return (
        Unit.objects.filter(committee_id=issuing_unit.committee_id, dissolved_on__isnull=True)
        .exclude(pk=issuing_unit.pk)
        .exclude(kind=Unit.Kind.PARTY_GROUP)
        .annotate(is_organ_first=Case(When(kind__in=Unit.ORGAN_KINDS, then=Value(0)), default=1))
        .order_by("is_organ_first", "sort_order", "name")
    )


def reviewer_options(committee_id, *, exclude=None):
    """People of the committee who may read documents, and so may review a draft."""
    from capuyso.accounts.models import RolePermission, User
    from capuyso.org.models import Position

    roles = RolePermission.objects.filter(action=Action.DOCUMENTS_VIEW).values("role")
    today = timezone.localdate()
    positions = Position.objects.filter(
        committee_id=committee_id, role__in=roles, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    users = User.objects.filter(committee_id=committee_id, is_active=True, positions__in=positions)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.distinct().order_by("full_name")


def get_review_for_user(user, code) -> Review:
    """A review request: 404 outside the committee, 403 unless it is the user's to answer."""
    access = access_for(user)
    try:
        review = Review.objects.select_related("document").get(
            code=code, committee_id=access.committee_id
        )
    except (Review.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if review.reviewer_id != user.pk:
        raise PermissionDenied
    return review


def get_draft_template(unit, code):
    """One of `draft_templates_for(unit)`, or None."""
    try:
        return draft_templates_for(unit).filter(code=code).first()
    except (ValueError, ValidationError):
        return None


def outgoing_filter_choices(user):
    """(document types, issuing units) offered as filters on the outgoing list."""
    from capuyso.documents.models import DocumentType
    from capuyso.org.models import Unit
    from capuyso.org.selectors import units_for_user

    types = DocumentType.objects.filter(committee_id=user.committee_id)
    units = units_for_user(user, Action.DOCUMENTS_VIEW).filter(
        kind__in=[Unit.Kind.OFFICE, Unit.Kind.SUB_COMMITTEE, Unit.Kind.CELL]
    )
    return types, units.order_by("kind", "sort_order", "name")


def outgoing_recipients(document: OutgoingDocument) -> list[OutgoingRecipient]:
    return list(document.recipients.select_related("unit", "target_committee"))


def outgoing_page_parts(document: OutgoingDocument) -> dict:
    """What the outgoing document page shows besides the document itself."""
    return {
        "versions": list(document.versions.select_related("file", "author")),
        "reviews": list(document.reviews.select_related("reviewer", "requested_by")),
        "events": list(
            document.events.select_related("actor", "on_behalf_of").order_by("created_at", "id")
        ),
        "recipients": outgoing_recipients(document),
    }


def draft_type_choices(unit, *, keep=None):
    """Types the unit may issue today; an existing draft keeps its own type in the list even
    after that type stopped being in force."""
    from capuyso.documents.models import DocumentType
    from capuyso.documents.services.config import active_types
    from capuyso.org.models import Unit

    types = active_types(unit.committee, for_cell=unit.kind == Unit.Kind.CELL)
    if keep is None:
        return types
    return DocumentType.objects.filter(
        Q(pk__in=types.values("pk")) | Q(pk=keep.pk), committee_id=unit.committee_id
    )


# --- registry books, figures per unit, and the settings pages ---------------------------
# (views/registry.py and views/config.py fetch through these; nothing above is changed)


def may_configure_documents(user) -> bool:
    """Types, issuers, templates and registries are the committee's: configurers only."""
    return access_for(user).committee_wide(Action.DOCUMENTS_CONFIGURE)


def _configure_committee_id(user) -> int:
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        raise PermissionDenied
    return access.committee_id


def _config_object(model, user, code, *, related=()):
    """One settings row of the user's committee: 404 elsewhere, 403 without the right."""
    access = access_for(user)
    rows = model.objects.select_related(*related) if related else model.objects.all()
    try:
        obj = rows.get(code=code, committee_id=access.committee_id)
    except (model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    _configure_committee_id(user)
    return obj


def doc_types_for_config(user):
    from capuyso.documents.models import DocumentType

    return DocumentType.objects.filter(committee_id=_configure_committee_id(user)).order_by(
        "sort_order", "name", "valid_from"
    )


def get_doc_type_for_config(user, code):
    from capuyso.documents.models import DocumentType

    return _config_object(DocumentType, user, code)


def issuers_for_config(user, *, query: str = ""):
    from capuyso.documents.models import IssuerBody

    issuers = IssuerBody.objects.filter(committee_id=_configure_committee_id(user))
    folded = fold(query)
    if folded:
        issuers = issuers.filter(Q(name_folded__contains=folded) | Q(abbreviation__icontains=query))
    return issuers.select_related("linked_committee", "linked_unit").order_by(
        "-is_active", "name_folded"
    )


def get_issuer_for_config(user, code):
    from capuyso.documents.models import IssuerBody

    return _config_object(IssuerBody, user, code)


def templates_for_config(user):
    from capuyso.documents.models import DraftTemplate

    return (
        DraftTemplate.objects.filter(committee_id=_configure_committee_id(user))
        .select_related("doc_type")
        .order_by("-is_active", "for_cells", "name")
    )


def get_template_for_config(user, code):
    from capuyso.documents.models import DraftTemplate

    return _config_object(DraftTemplate, user, code, related=["doc_type"])


def registries_for_config(user):
    from capuyso.documents.models import Registry

    return (
        Registry.objects.filter(committee_id=_configure_committee_id(user))
        .select_related("unit")
        .order_by("unit__kind", "unit__name", "kind")
    )


def get_registry_for_config(user, code):
    from capuyso.documents.models import Registry

    return _config_object(Registry, user, code, related=["unit"])


def document_leaders(committee_id):
    """People who give direction or approve documents for the whole committee: the ones
    who may delegate (DOCUMENTS_DIRECT or DOCUMENTS_APPROVE in a committee-wide role)."""
    from capuyso.accounts.models import RolePermission, User
    from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES
    from capuyso.org.models import Position

    roles = set(
        RolePermission.objects.filter(
            action__in=[Action.DOCUMENTS_DIRECT, Action.DOCUMENTS_APPROVE]
        ).values_list("role", flat=True)
    ) & set(COMMITTEE_WIDE_ROLES)
    today = timezone.localdate()
    positions = Position.objects.filter(
        committee_id=committee_id, role__in=roles, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return (
        User.objects.filter(committee_id=committee_id, is_active=True, positions__in=positions)
        .distinct()
        .order_by("full_name")
    )


def is_document_leader(user) -> bool:
    access = access_for(user)
    return access.committee_wide(Action.DOCUMENTS_DIRECT) or access.committee_wide(
        Action.DOCUMENTS_APPROVE
    )


def may_manage_delegations(user) -> bool:
    """Delegation pages: leaders (for their own delegations) and configurers."""
    return may_configure_documents(user) or is_document_leader(user)


def delegation_grantors_for(user):
    """Whom the user may delegate for: any leader (configurers), or only themselves."""
    from capuyso.accounts.models import User

    committee_id = access_for(user).committee_id
    if committee_id is None:
        return User.objects.none()
    leaders = document_leaders(committee_id)
    if may_configure_documents(user):
        return leaders
    return leaders.filter(pk=user.pk)


def delegation_delegates_for(user):
    """People who can stand in for a leader: members of the committee itself (secretaries,
    standing and committee members, the inspection commission), not cell officers, the
    Office clerk or the administrator."""
    from capuyso.accounts.models import User
    from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, Role
    from capuyso.org.models import Position

    committee_id = access_for(user).committee_id
    if committee_id is None:
        return User.objects.none()
    roles = COMMITTEE_WIDE_ROLES - {Role.CLERK, Role.TENANT_ADMIN, Role.CITY_VIEWER}
    today = timezone.localdate()
    positions = Position.objects.filter(
        committee_id=committee_id, role__in=roles, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return (
        User.objects.filter(committee_id=committee_id, is_active=True, positions__in=positions)
        .distinct()
        .order_by("full_name")
    )


def delegations_for_user(user):
    """Configurers see the committee's delegations; a leader those they gave or received."""
    from capuyso.documents.models import Delegation

    access = access_for(user)
    if access.committee_id is None or not may_manage_delegations(user):
        raise PermissionDenied
    delegations = Delegation.objects.filter(committee_id=access.committee_id)
    if not may_configure_documents(user):
        delegations = delegations.filter(Q(grantor=user) | Q(delegate=user))
    return delegations.select_related("grantor", "delegate", "created_by").order_by(
        "-starts_on", "-created_at"
    )


def get_delegation_for_user(user, code):
    """A delegation to revoke: 404 outside the committee, 403 unless the user gave it or
    configures the committee's documents."""
    from capuyso.documents.models import Delegation

    access = access_for(user)
    try:
        delegation = Delegation.objects.select_related("grantor", "delegate").get(
            code=code, committee_id=access.committee_id
        )
    except (Delegation.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if delegation.grantor_id != user.pk and not may_configure_documents(user):
        raise PermissionDenied
    return delegation


def may_see_figures(user) -> bool:
    access = access_for(user)
    return access.has(Action.STATS_VIEW) or access.has(Action.DOCUMENTS_VIEW)


def figure_units_for_user(user):
    """Units offered on the figures page: organs, sub-committees and cells the user may see
    for documents or for figures, organs first."""
    from django.db.models import Case, Value, When

    from capuyso.org.models import Unit
    from capuyso.org.selectors import units_for_user

    units = units_for_user(user, Action.DOCUMENTS_VIEW) | units_for_user(user, Action.STATS_VIEW)
    return (
        units.filter(dissolved_on__isnull=True)
        .exclude(kind=Unit.Kind.PARTY_GROUP)
        .annotate(organ_first=Case(When(kind__in=Unit.ORGAN_KINDS, then=Value(0)), default=1))
        .order_by("organ_first", "sort_order", "name")
    )


@dataclass
class UnitFigures:
    unit: object
    received: int
    completed: int
    overdue: int
    median_hours: float | None


def unit_figures_for_user(user, *, start: dt.date, end: dt.date, units) -> list[UnitFigures]:
    """One row per unit for [start, end], counted over what the user may see.

    A unit's documents are those registered in its own book and those it was given to lead
    (a document a cell registers and leads counts once). Received: registered in the
    period; completed: closed in the period (median hours from registration to closing);
    overdue: open today past the deadline. Four grouped queries, whatever the number of
    units.
    """
    from django.db.models import Count, F

    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    today = timezone.localdate()
    visible = incoming_for_user(user)
    received_q = Q(received_at__gte=low, received_at__lt=high)
    overdue_q = Q(status__in=IncomingDocument.OPEN_STATUSES, due_date__lt=today)
    completed_q = Q(completed_at__gte=low, completed_at__lt=high)

    def prefixed(condition: Q) -> Q:
        return Q(*[(f"document__{key}", value) for key, value in condition.children])

    leads = Assignment.objects.filter(
        role=Assignment.Role.LEAD,
        parent__isnull=True,
        unit__isnull=False,
        document__in=visible.values("pk"),
    ).exclude(unit_id=F("document__receiving_unit_id"))

    counts: dict[int, list[int]] = {}
    own = (
        visible.filter(received_q | overdue_q)
        .order_by()
        .values("receiving_unit_id")
        .annotate(received=Count("pk", filter=received_q), overdue=Count("pk", filter=overdue_q))
        .values_list("receiving_unit_id", "received", "overdue")
    )
    led = (
        leads.filter(prefixed(received_q) | prefixed(overdue_q))
        .order_by()
        .values("unit_id")
        .annotate(
            received=Count("document", filter=prefixed(received_q), distinct=True),
            overdue=Count("document", filter=prefixed(overdue_q), distinct=True),
        )
        .values_list("unit_id", "received", "overdue")
    )
    for unit_id, received, overdue in [*own, *led]:
        row = counts.setdefault(unit_id, [0, 0])
        row[0] += received
        row[1] += overdue

    durations: dict[int, dict[int, float]] = {}
    done = [
        *visible.filter(completed_q).values_list(
            "receiving_unit_id", "pk", "received_at", "completed_at"
        ),
        *leads.filter(prefixed(completed_q)).values_list(
            "unit_id", "document_id", "document__received_at", "document__completed_at"
        ),
    ]
    for unit_id, document_id, received_at, completed_at in done:
        hours = (completed_at - received_at).total_seconds() / 3600
        durations.setdefault(unit_id, {})[document_id] = hours

    rows = []
    for unit in units:
        received, overdue = counts.get(unit.pk, (0, 0))
        hours = list(durations.get(unit.pk, {}).values())
        rows.append(
            UnitFigures(
                unit=unit,
                received=received,
                completed=len(hours),
                overdue=overdue,
                median_hours=round(statistics.median(hours), 1) if hours else None,
            )
        )
    return rows


def registry_unit_choices(user):
    """`registry_units_for_user` as a queryset (for a choice field): the units whose books
    the user keeps, the Office first."""
    from django.db.models import Case, Value, When

    from capuyso.org.models import Unit

    ids = [unit.pk for unit in registry_units_for_user(user)]
    return (
        Unit.objects.filter(pk__in=ids)
        .annotate(office_first=Case(When(kind=Unit.Kind.OFFICE, then=Value(0)), default=1))
        .order_by("office_first", "name")
    )

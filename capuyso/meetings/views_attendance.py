"""Pages of invitations, attendance and the paperless reader.

Every page fetches the meeting (or document) through the one door (404 outside the
committee, 403 without the right), calls one service and renders or redirects. The
attendance page saves each tap with htmx and, without JavaScript, the whole list at once.
The reader serves page images only (inline), never the PDF.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from capuyso.accounts.models import User
from capuyso.documents import files as doc_files
from capuyso.documents.selectors import get_file_for_user
from capuyso.meetings.access import get_meeting_for_user, may_manage
from capuyso.meetings.models import AgendaItem, Attendance, Invitation, Meeting
from capuyso.meetings.services import attendance as attendance_svc
from capuyso.meetings.services import invitations as invitation_svc
from capuyso.meetings.services import reader as reader_svc
from capuyso.members.models import Member

OVER = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)


def meeting_url(meeting: Meeting) -> str:
    """The meeting's page (its own invitation page until the meeting page exists)."""
    try:
        return reverse("meetings:detail", args=[meeting.code])
    except NoReverseMatch:
        return reverse("meetings:invitation", args=[meeting.code])


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Invitations ---------------------------------------------------------------------------


@require_GET
@login_required
def invitations(request, code):
    """Managers: who is invited, their answers, and the form that sends invitations."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    rows = list(invitation_svc.invitations_of(meeting))
    invited_members = {i.member_id for i in rows if i.member_id}
    invited_users = {i.user_id for i in rows if i.user_id}
    members = [
        m for m in invitation_svc.cell_members_to_invite(meeting) if m.pk not in invited_members
    ]
    defaults = {u.pk for u in invitation_svc.default_users(meeting)}
    guests = [
        u
        for u in invitation_svc.guest_choices(meeting)
        if u.pk not in invited_users and (u.member_id is None or u.member_id not in invited_members)
    ]
    context = {
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "rows": rows,
        "answers": invitation_svc.answers(rows),
        "members": members,
        "guests": guests,
        "defaults": defaults,
        "is_cell": attendance_svc.is_cell_meeting(meeting),
        "over": meeting.status in OVER,
    }
    return render(request, "meetings/invitations.html", context)


@require_POST
@login_required
def invitations_send(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    member_codes = request.POST.getlist("members")
    user_codes = request.POST.getlist("users")
    members = None
    if not request.POST.get("all_members"):
        members = list(
            Member.objects.filter(committee_id=meeting.committee_id, code__in=_uuids(member_codes))
        )
    users = list(
        User.objects.filter(committee_id=meeting.committee_id, code__in=_uuids(user_codes))
    )
    if members is not None and not members and not users:
        messages.error(request, _("Choose whom to invite."))
        return redirect("meetings:invitations", meeting.code)
    try:
        result = invitation_svc.invitations_send(
            actor=request.user, meeting=meeting, members=members, users=users
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(created)s invited, %(notified)s notified.")
            % {"created": result.created, "notified": result.notified},
        )
    return redirect("meetings:invitations", meeting.code)


def _uuids(values: list[str]) -> list[str]:
    import uuid

    good = []
    for value in values:
        try:
            good.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return good


@require_GET
@login_required
def invitation(request, code):
    """The invitee's page: the meeting, and the answer form (works on a phone)."""
    meeting = get_meeting_for_user(request.user, code)
    context = {
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "invitation": invitation_svc.invitation_for_user(request.user, meeting),
        "over": meeting.status in OVER,
        "can_manage": may_manage(request.user, meeting),
    }
    return render(request, "meetings/invitation.html", context)


@require_POST
@login_required
def invitation_respond(request, code):
    meeting = get_meeting_for_user(request.user, code)
    error = None
    try:
        invitation_svc.invitation_respond(
            actor=request.user,
            meeting=meeting,
            response=request.POST.get("response", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        error = exc
    if request.htmx:
        context = {
            "meeting": meeting,
            "invitation": invitation_svc.invitation_for_user(request.user, meeting),
            "error": error,
            "next": request.POST.get("next", ""),
            "over": meeting.status in OVER,
        }
        return render(request, "meetings/invitation.html#answer", context)
    if error is not None:
        _errors(request, error)
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect(_next_or(request, reverse("meetings:invitation", args=[meeting.code])))


# --- Attendance ----------------------------------------------------------------------------


def _attendance_context(meeting: Meeting, summary) -> dict:
    answers = {
        member_id: (response, reason)
        for member_id, response, reason in Invitation.objects.filter(
            meeting=meeting, member__isnull=False
        ).values_list("member_id", "response", "reason")
    }
    for row in summary.rows:
        row.answer = answers.get(row.member.pk)
    return {
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "summary": summary,
        "rows": summary.rows,
        "statuses": Attendance.Status,
        "over": meeting.status in OVER,
    }


@require_GET
@login_required
def attendance(request, code):
    """The secretary's roll call on a phone: one tap per member."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    summary = attendance_svc.attendance_summary(meeting)
    return render(request, "meetings/attendance.html", _attendance_context(meeting, summary))


def _member_on(meeting: Meeting, member_code) -> Member:
    try:
        return Member.objects.get(code=member_code, committee_id=meeting.committee_id)
    except (Member.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


@require_POST
@login_required
def attendance_mark(request, code, member_code):
    """One tap: htmx gets the member's row and the counts back; a plain post redirects."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    member = _member_on(meeting, member_code)
    key = str(member.code)
    status = request.POST.get(f"status-{key}") or request.POST.get("status", "")
    reason = request.POST.get(f"reason-{key}", request.POST.get("reason", ""))
    error = None
    try:
        attendance_svc.attendance_mark(
            actor=request.user, meeting=meeting, member=member, status=status, reason=reason
        )
    except ValidationError as exc:
        error = exc
    if not request.htmx:
        if error is not None:
            _errors(request, error)
        return redirect(f"{reverse('meetings:attendance', args=[meeting.code])}#m-{key}")
    meeting.refresh_from_db(fields=["status"])
    summary = attendance_svc.attendance_summary(meeting)
    context = _attendance_context(meeting, summary)
    rows = [row for row in summary.rows if row.member.pk == member.pk]
    if not rows:
        raise Http404
    context.update(row=rows[0], error=error, oob=True)
    html = render_to_string("meetings/attendance.html#row", context, request=request)
    html += render_to_string("meetings/attendance.html#counts", context, request=request)
    return HttpResponse(html, status=200)


@require_POST
@login_required
def attendance_save(request, code):
    """The whole list at once (the page without JavaScript)."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    roll = attendance_svc.attendance_roll(meeting)
    marks = {}
    for row in roll:
        key = str(row.member.code)
        status = request.POST.get(f"status-{key}", "")
        if status:
            marks[row.member.pk] = (status, request.POST.get(f"reason-{key}", ""))
    try:
        attendance_svc.attendance_mark_many(actor=request.user, meeting=meeting, marks=marks)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect("meetings:attendance", meeting.code)


# --- The reader ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def document_add(request, code):
    """Managers attach a PDF to an agenda item."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    items = list(AgendaItem.objects.filter(meeting=meeting))
    errors: list[str] = []
    if request.method == "POST":
        item = next((i for i in items if str(i.code) == request.POST.get("item", "")), None)
        upload = request.FILES.get("file")
        existing = request.POST.get("existing", "")
        if item is None:
            errors.append(_("Choose the agenda item."))
        elif (upload is None) == (not existing):
            errors.append(_("Choose a PDF file to upload, or one from the documents registry."))
        else:
            try:
                stored = get_file_for_user(request.user, existing) if existing else None
                reader_svc.meeting_document_add(
                    actor=request.user,
                    item=item,
                    upload=upload,
                    stored=stored,
                    title=request.POST.get("title", ""),
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("The document is attached."))
                return redirect(_next_or(request, meeting_url(meeting)))
    context = {
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "items": items,
        "errors": errors,
        "registry": reader_svc.registry_files_for_user(request.user) if items else [],
        "over": meeting.status in OVER,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "meetings/reader_add.html", context, status=400 if errors else 200)


@require_POST
@login_required
def document_remove(request, code):
    document = reader_svc.get_meeting_document_for_user(request.user, code)
    meeting = document.item.meeting
    try:
        reader_svc.meeting_document_remove(actor=request.user, document=document)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The document is removed from the agenda."))
    return redirect(_next_or(request, meeting_url(meeting)))


@require_GET
@login_required
def reader(request, code):
    """One page of a meeting document, on screen; the opening is recorded."""
    document = reader_svc.get_meeting_document_for_user(request.user, code)
    meeting = document.item.meeting
    count = document.page_count or 1
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    page = min(max(page, 1), count)
    reader_svc.document_opening_record(user=request.user, document=document)
    available = reader_svc.renderer() is not None
    size = None
    if available:
        try:
            sizes = reader_svc.page_sizes(document)
        except doc_files.IntegrityError:
            sizes, available = [], False
        if page <= len(sizes):
            size = sizes[page - 1]
    width = reader_svc.DEFAULT_WIDTH
    height = round(width * size[1] / size[0]) if size and size[0] else round(width * 1.414)
    height = min(height, width * reader_svc.MAX_ASPECT)
    context = {
        "document": document,
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "page": page,
        "count": count,
        "previous": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < count else None,
        "available": available,
        "width": width,
        "height": height,
        "widths": reader_svc.WIDTHS,
        "can_manage": may_manage(request.user, meeting),
    }
    template = "meetings/reader.html#reader-page" if request.htmx else "meetings/reader.html"
    return render(request, template, context)


@require_GET
@login_required
def reader_page(request, code, page):
    """The PNG of one page, shown inline, never as a download."""
    document = reader_svc.get_meeting_document_for_user(request.user, code)
    try:
        png = reader_svc.page_image(document, page, request.GET.get("w"))
    except reader_svc.ReaderUnavailable as exc:
        raise Http404 from exc
    except doc_files.IntegrityError as exc:
        raise Http404 from exc
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"trang-{page}.png"
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def document_openings(request, code):
    """Managers: who opened the document, when and how often, and which invitees did not."""
    document = reader_svc.get_meeting_document_for_user(request.user, code)
    meeting = document.item.meeting
    if not may_manage(request.user, meeting):
        raise PermissionDenied
    openings = reader_svc.openings_of(document)
    opened = {o.user_id for o in openings}
    not_opened = [
        i
        for i in invitation_svc.invitations_of(meeting)
        if i.user_id is None or i.user_id not in opened
    ]
    context = {
        "document": document,
        "meeting": meeting,
        "meeting_url": meeting_url(meeting),
        "openings": openings,
        "not_opened": not_opened,
    }
    return render(request, "meetings/reader_openings.html", context)

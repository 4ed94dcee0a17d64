"""The work calendar: its services, who sees which entries, the week's page, publishing,
and the week as iCalendar and PDF."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.audit.models import AuditEvent
from capuyso.meetings.exports_calendar import calendar_ics, ics_escape, ics_fold
from capuyso.meetings.models import CalendarEntry, Meeting
from capuyso.meetings.services import calendar as svc
from capuyso.meetings.tests.factories import make_meeting

pytestmark = pytest.mark.django_db

D = dt.date
MONDAY = D(2026, 3, 2)  # a Monday


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def entry(cast, day=MONDAY, hour=7, title="Giao ban Thường trực", published=True, **extra):
    made = svc.calendar_entry_create(
        actor=cast.clerk,
        committee=cast.committee,
        starts_at=at(day, hour),
        title=title,
        place=extra.pop("place", "Phòng họp Đảng ủy"),
        **extra,
    )
    if published:
        CalendarEntry.objects.filter(pk=made.pk).update(is_published=True)
        made.refresh_from_db()
    return made


def shown(response) -> list[str]:
    return [e.title for d in response.context["days"] for e in d.entries]


# --- Services ---------------------------------------------------------------------------


def test_only_committee_wide_organisers_write_the_calendar(cast):
    made = entry(cast, published=False, leaders=[cast.secretary, cast.deputy])
    assert set(made.leaders.all()) == {cast.secretary, cast.deputy}
    assert made.created_by == cast.clerk and not made.is_published
    for user in (cast.cell_secretary, cast.member, cast.admin, cast.outsider):
        with pytest.raises(PermissionDenied):
            svc.calendar_entry_create(
                actor=user, committee=cast.committee, starts_at=at(MONDAY, 8), title="x"
            )
        with pytest.raises(PermissionDenied):
            svc.calendar_entry_update(actor=user, entry=made, title="y")
        with pytest.raises(PermissionDenied):
            svc.calendar_week_publish(actor=user, committee=cast.committee, monday=MONDAY)
        with pytest.raises(PermissionDenied):
            svc.calendar_entry_delete(actor=user, entry=made)
    # A double submit gives the same entry.
    again = entry(cast, published=False)
    assert again.pk == made.pk and CalendarEntry.objects.count() == 1


def test_calendar_checks_refuse_with_codes(cast):
    with pytest.raises(ValidationError) as exc:
        svc.calendar_entry_create(
            actor=cast.secretary,
            committee=cast.committee,
            starts_at=at(MONDAY, 8),
            ends_at=at(MONDAY, 7),
            title="  ",
            leaders=[cast.outsider],
        )
    codes = {field: errors[0].code for field, errors in exc.value.error_dict.items()}
    assert codes == {
        "title": "required",
        "ends_at": "ends_before_start",
        "leaders": "leader_other_committee",
    }
    assert not CalendarEntry.objects.exists()


def test_update_delete_and_publish_are_audited(cast):
    made = entry(cast, published=False)
    svc.calendar_entry_update(
        actor=cast.secretary, entry=made, title="Họp Ban Thường vụ", leaders=[cast.standing]
    )
    made.refresh_from_db()
    assert made.title == "Họp Ban Thường vụ" and list(made.leaders.all()) == [cast.standing]
    entry(cast, day=MONDAY + dt.timedelta(days=6), hour=20, title="Chủ nhật", published=False)
    entry(cast, day=MONDAY + dt.timedelta(days=7), title="Tuần sau", published=False)

    count = svc.calendar_week_publish(
        actor=cast.secretary, committee=cast.committee, monday=MONDAY + dt.timedelta(days=3)
    )
    assert count == 2  # Monday and Sunday 20:00, not the next Monday
    assert (
        svc.calendar_week_publish(actor=cast.secretary, committee=cast.committee, monday=MONDAY)
        == 0
    )
    assert set(CalendarEntry.objects.filter(is_published=True).values_list("title", flat=True)) == {
        "Họp Ban Thường vụ",
        "Chủ nhật",
    }
    withdrawn = svc.calendar_week_publish(
        actor=cast.secretary, committee=cast.committee, monday=MONDAY, publish=False
    )
    assert withdrawn == 2 and not CalendarEntry.objects.filter(is_published=True).exists()
    svc.calendar_entry_delete(actor=cast.secretary, entry=made)
    svc.calendar_entry_delete(actor=cast.secretary, entry=made)  # a second click
    assert not CalendarEntry.objects.filter(pk=made.pk).exists()
    verbs = list(
        AuditEvent.objects.filter(object_type__startswith="meetings.calendar").values_list(
            "object_type", "verb"
        )
    )
    assert ("meetings.calendarentry", "delete") in verbs
    assert verbs.count(("meetings.calendarweek", "update")) == 2


# --- The week's page --------------------------------------------------------------------


def test_members_see_the_published_week_and_organisers_everything(cast, client_for):
    entry(cast, hour=7, title="Giao ban", leaders=[cast.secretary])
    entry(cast, day=MONDAY + dt.timedelta(days=2), hour=14, title="Dự thảo", published=False)
    entry(cast, day=MONDAY + dt.timedelta(days=7), title="Tuần sau")
    other = svc.calendar_entry_create(
        actor=cast.outsider_clerk,
        committee=cast.other,
        starts_at=at(MONDAY, 8),
        title="Xã khác",
    )
    CalendarEntry.objects.filter(pk=other.pk).update(is_published=True)

    member = client_for(cast.member).get("/meetings/calendar/", {"week": "2026-03-04"})
    assert member.status_code == 200
    assert member.context["monday"] == MONDAY
    assert shown(member) == ["Giao ban"]
    html = member.content.decode()
    assert "Nguyễn Văn Bình" in html and "02/03/2026" in html and "08/03/2026" in html
    assert "/meetings/calendar/new/" not in html and "calendar/publish" not in html

    clerk = client_for(cast.clerk).get("/meetings/calendar/", {"week": "2026-03-02"})
    assert shown(clerk) == ["Giao ban", "Dự thảo"]
    assert clerk.context["unpublished"] == 1
    assert "/meetings/calendar/publish/" in clerk.content.decode()
    # The tenant administrator of the committee reads the published calendar too.
    assert shown(client_for(cast.admin).get("/meetings/calendar/", {"week": "2026-03-02"})) == [
        "Giao ban"
    ]
    # Another committee's user reads their own committee's calendar only.
    outsider = client_for(cast.outsider_clerk).get("/meetings/calendar/", {"week": "2026-03-02"})
    assert shown(outsider) == ["Xã khác"]
    # Week navigation, and the week alone for htmx.
    nxt = client_for(cast.member).get("/meetings/calendar/", {"week": "2026-03-09"})
    assert shown(nxt) == ["Tuần sau"]
    partial = client_for(cast.member).get(
        "/meetings/calendar/", {"week": "2026-03-09"}, HTTP_HX_REQUEST="true"
    )
    assert b'id="calendar-week"' in partial.content and b"<html" not in partial.content
    bad = client_for(cast.member).get("/meetings/calendar/", {"week": "02/03/2026x"})
    assert bad.status_code == 200  # this week


def test_organiser_adds_edits_publishes_and_removes_an_entry(cast, client_for):
    client = client_for(cast.clerk)
    page = client.get("/meetings/calendar/new/", {"day": "2026-03-04"})
    assert page.status_code == 200
    leader_codes = [str(u.code) for u in page.context["form"].fields["leaders"].queryset]
    assert str(cast.secretary.code) in leader_codes and str(cast.member.code) not in leader_codes
    data = {
        "day": "04/03/2026",
        "starts": "14:00",
        "ends": "16:30",
        "title": "Làm việc với Chi bộ thôn Đồng Cát",
        "leaders": [str(cast.secretary.code), str(cast.deputy.code)],
        "place": "Nhà văn hóa thôn Đồng Cát",
        "preparing": "Văn phòng Đảng ủy",
    }
    response = client.post("/meetings/calendar/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/meetings/calendar/?week=2026-03-02"
    client.post("/meetings/calendar/new/", data)  # a double submit
    made = CalendarEntry.objects.get()
    assert timezone.localtime(made.starts_at) == at(D(2026, 3, 4), 14)
    assert timezone.localtime(made.ends_at) == at(D(2026, 3, 4), 16, 30)
    assert made.leaders.count() == 2

    bad = client.post("/meetings/calendar/new/", data | {"ends": "13:00", "day": "32/03/2026"})
    assert bad.status_code == 400 and bad.context["form"].errors["day"]
    bad = client.post("/meetings/calendar/new/", data | {"ends": "13:00", "title": "Khác"})
    assert bad.status_code == 400
    assert bad.context["form"].errors.as_data()["ends"][0].code == "ends_before_start"
    assert CalendarEntry.objects.count() == 1

    edit = client.get(f"/meetings/calendar/{made.code}/edit/")
    assert edit.status_code == 200
    response = client.post(
        f"/meetings/calendar/{made.code}/edit/", data | {"starts": "14:30", "leaders": []}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert timezone.localtime(made.starts_at).strftime("%H:%M") == "14:30"
    assert made.leaders.count() == 0

    assert client.get("/meetings/calendar/publish/").status_code == 405
    response = client.post("/meetings/calendar/publish/", {"week": "2026-03-04"})
    assert response["Location"] == "/meetings/calendar/?week=2026-03-02"
    made.refresh_from_db()
    assert made.is_published

    assert client.get(f"/meetings/calendar/{made.code}/delete/").status_code == 405
    assert client.post(f"/meetings/calendar/{made.code}/delete/").status_code == 302
    assert not CalendarEntry.objects.exists()


def test_calendar_writing_rights(cast, client_for):
    published = entry(cast)
    draft = entry(cast, hour=9, title="Dự thảo", published=False)
    member = client_for(cast.member)
    assert member.get("/meetings/calendar/new/").status_code == 403
    assert member.post("/meetings/calendar/publish/", {"week": "2026-03-02"}).status_code == 403
    assert member.get(f"/meetings/calendar/{published.code}/edit/").status_code == 403
    assert member.get(f"/meetings/calendar/{draft.code}/edit/").status_code == 404
    assert member.post(f"/meetings/calendar/{published.code}/delete/").status_code == 403
    cell_secretary = client_for(cast.cell_secretary)
    assert cell_secretary.get("/meetings/calendar/new/").status_code == 403
    outsider = client_for(cast.outsider_clerk)
    assert outsider.get(f"/meetings/calendar/{published.code}/edit/").status_code == 404
    assert outsider.post(f"/meetings/calendar/{published.code}/delete/").status_code == 404
    draft.refresh_from_db()
    assert not draft.is_published and CalendarEntry.objects.count() == 2


def test_calendar_page_queries_do_not_grow(cast, client_for, django_assert_max_num_queries):
    leaders = [cast.secretary, cast.deputy, cast.standing]
    meeting = make_meeting(cast, unit=False, starts_at=at(MONDAY, 8))
    for n in range(30):
        entry(
            cast,
            day=MONDAY + dt.timedelta(days=n % 7),
            hour=6 + n % 12,
            title=f"Việc {n}",
            leaders=leaders[: n % 4],
            meeting=meeting if n % 5 == 0 else None,
        )
    for user in (cast.secretary, cast.member):
        client = client_for(user)
        client.get("/meetings/calendar/", {"week": "2026-03-02"})
        with django_assert_max_num_queries(12):
            response = client.get("/meetings/calendar/", {"week": "2026-03-02"})
        assert len(shown(response)) == 30


def test_a_cancelled_meeting_is_marked_on_the_calendar(cast, client_for):
    meeting = make_meeting(cast, unit=False, starts_at=at(MONDAY, 8), title="Hội nghị")
    entry(cast, hour=8, title="Hội nghị", meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    response = client_for(cast.member).get("/meetings/calendar/", {"week": "2026-03-02"})
    assert "badge-err" in response.content.decode()
    ics = client_for(cast.member).get("/meetings/calendar/ics/", {"week": "2026-03-02"})
    assert "STATUS:CANCELLED" in ics.content.decode()


# --- iCalendar and PDF ------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_holds_the_published_entries_in_utc_with_escaping(cast, client_for):
    published = entry(
        cast,
        hour=7,
        title="Họp BTV; bàn về nhân sự, kế hoạch\nnăm 2026",
        leaders=[cast.secretary],
        preparing="Văn phòng",
    )
    svc.calendar_entry_update(actor=cast.clerk, entry=published, ends_at=at(MONDAY, 9, 30))
    entry(cast, hour=14, title="Chưa công bố", published=False)
    later = entry(cast, day=MONDAY + dt.timedelta(days=8), title="Tuần sau")

    response = client_for(cast.member).get("/meetings/calendar/ics/", {"week": "2026-03-04"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content.decode()
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    lines = unfold(raw)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1
    assert f"UID:{published.code}@phu-cat.capuyso" in lines
    assert "DTSTART:20260302T000000Z" in lines  # 07:00 in Hà Nội is midnight UTC
    assert "DTEND:20260302T023000Z" in lines
    assert "SUMMARY:Họp BTV\\; bàn về nhân sự\\, kế hoạch\\nnăm 2026" in lines
    assert "LOCATION:Phòng họp Đảng ủy" in lines
    assert "DESCRIPTION:Lãnh đạo: Nguyễn Văn Bình\\nChuẩn bị: Văn phòng" in lines
    assert "Chưa công bố" not in raw

    two = client_for(cast.member).get(
        "/meetings/calendar/ics/", {"week": "2026-03-02", "weeks": "2"}
    )
    lines = unfold(two.content.decode())
    assert lines.count("BEGIN:VEVENT") == 2 and f"UID:{later.code}@phu-cat.capuyso" in lines
    many = client_for(cast.member).get(
        "/meetings/calendar/ics/", {"week": "2026-03-02", "weeks": "nine"}
    )
    assert unfold(many.content.decode()).count("BEGIN:VEVENT") == 1


def test_ics_text_helpers():
    assert ics_escape("a\\b;c,d\r\ne") == "a\\\\b\\;c\\,d\\ne"
    line = "SUMMARY:" + "Đảng ủy xã Phú Cát " * 10
    folded = ics_fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1 and all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert ics_fold("SHORT:x") == "SHORT:x"


def test_ics_of_an_empty_week_is_a_valid_calendar(cast):
    text = calendar_ics(cast.committee, [])
    assert unfold(text)[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "BEGIN:VEVENT" not in text


def test_pdf_of_the_week_is_a_pdf_with_the_party_heading(cast, client_for):
    import pypdfium2

    entry(cast, hour=7, title="Giao ban Thường trực Đảng ủy", leaders=[cast.secretary])
    entry(cast, day=MONDAY + dt.timedelta(days=1), hour=14, title="Bản nháp", published=False)
    response = client_for(cast.member).get("/meetings/calendar/pdf/", {"week": "2026-03-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "lich-cong-tac-2026-03-02.pdf" in response["Content-Disposition"]
    document = pypdfium2.PdfDocument(response.content)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    text = " ".join(text.split())
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "LỊCH CÔNG TÁC" in text
    assert "02/03/2026" in text and "08/03/2026" in text
    assert "Giao ban Thường trực Đảng ủy" in text and "Nguyễn Văn Bình" in text
    assert "Bản nháp" not in text
    assert client_for(cast.admin).get("/meetings/calendar/pdf/").status_code == 200

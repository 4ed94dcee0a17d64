"""The meeting pages: the list, planning and changing a meeting, its status, its agenda and
the meeting page; rights (405/403/404), bad input changing nothing, double submits, and
bounded queries."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.audit.models import AuditEvent
from capuyso.meetings.models import AgendaItem, CalendarEntry, Meeting, Vote
from capuyso.meetings.rules import vote_rule_on
from capuyso.meetings.services import meetings as svc
from capuyso.meetings.tests.factories import make_meeting

pytestmark = pytest.mark.django_db

D = dt.date


def local(day: dt.date, hour=19, minute=30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def today_at(hour=7, minute=30):
    return local(timezone.localdate(), hour, minute)


def titles(response) -> list[str]:
    return [m.title for m in response.context["page"].object_list]


def meeting_form(**values):
    data = {
        "unit": "",
        "kind": "cell_regular",
        "title": "Sinh hoạt chi bộ tháng 12",
        "day": (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y"),
        "starts": "19:30",
        "ends": "21:00",
        "place": "Nhà văn hóa thôn Đồng Cát",
        "mode": "in_person",
        "online_url": "",
    }
    data.update(values)
    return data


# --- The list ---------------------------------------------------------------------------


def test_member_lists_their_cells_meetings_upcoming_first_then_past(cast, client_for):
    today = timezone.localdate()
    make_meeting(cast, title="Tuần sau", starts_at=local(today + dt.timedelta(days=7)))
    make_meeting(cast, title="Ngày mai", starts_at=local(today + dt.timedelta(days=1)))
    make_meeting(
        cast,
        title="Tháng trước",
        starts_at=local(today - dt.timedelta(days=30)),
        status=Meeting.Status.CLOSED,
    )
    make_meeting(
        cast,
        title="Hôm qua",
        starts_at=local(today - dt.timedelta(days=1)),
        status=Meeting.Status.CLOSED,
    )
    make_meeting(cast, unit=cast.other_cell, title="Chi bộ khác")
    make_meeting(cast, unit=False, title="Hội nghị tổng kết năm")

    response = client_for(cast.member).get("/meetings/")
    assert response.status_code == 200
    assert titles(response) == ["Ngày mai", "Tuần sau", "Hôm qua", "Tháng trước"]
    html = response.content.decode()
    assert "Chi bộ khác" not in html and "Hội nghị tổng kết năm" not in html

    leader = client_for(cast.secretary).get("/meetings/")
    assert len(titles(leader)) == 6


def test_list_filters_by_unit_kind_and_month(cast, client_for):
    make_meeting(cast, title="Thường kỳ tháng 3", starts_at=local(D(2026, 3, 5)))
    make_meeting(
        cast,
        title="Chuyên đề tháng 3",
        kind=Meeting.Kind.CELL_THEMATIC,
        starts_at=local(D(2026, 3, 20)),
    )
    make_meeting(cast, title="Thường kỳ tháng 4", starts_at=local(D(2026, 4, 5)))
    make_meeting(
        cast, unit=cast.other_cell, title="Trường học tháng 3", starts_at=local(D(2026, 3, 6))
    )
    make_meeting(cast, unit=False, title="Đảng ủy tháng 3", starts_at=local(D(2026, 3, 2)))
    client = client_for(cast.secretary)

    def shown(**query):
        response = client.get("/meetings/", query)
        assert response.status_code == 200
        return set(titles(response))

    assert shown(month="2026-03") == {
        "Thường kỳ tháng 3",
        "Chuyên đề tháng 3",
        "Trường học tháng 3",
        "Đảng ủy tháng 3",
    }
    assert shown(month="2026-03", unit=str(cast.cell.code)) == {
        "Thường kỳ tháng 3",
        "Chuyên đề tháng 3",
    }
    assert shown(kind="cell_thematic") == {"Chuyên đề tháng 3"}
    assert shown(unit="committee") == {"Đảng ủy tháng 3"}
    assert len(shown(month="not-a-month")) == 5  # a bad filter is ignored
    # The table alone for htmx.
    partial = client.get("/meetings/", {"kind": "cell_thematic"}, HTTP_HX_REQUEST="true")
    assert b'id="meeting-table"' in partial.content and b"<html" not in partial.content


def test_list_rights(cast, client_for):
    make_meeting(cast)
    assert client_for(cast.admin).get("/meetings/").status_code == 403  # no MEETINGS_VIEW
    # A cell of another committee in the filter is a 404; another cell of ours a 403.
    client = client_for(cast.member)
    assert client.get("/meetings/", {"unit": str(cast.foreign_cell.code)}).status_code == 404
    assert client.get("/meetings/", {"unit": str(cast.other_cell.code)}).status_code == 403
    outsider = client_for(cast.outsider_clerk).get("/meetings/")
    assert outsider.status_code == 200 and titles(outsider) == []


def test_list_queries_do_not_grow_with_meetings(cast, client_for, django_assert_max_num_queries):
    for n in range(40):
        unit = cast.cell if n % 2 else cast.other_cell
        make_meeting(
            cast, unit=unit, title=f"Họp {n}", starts_at=today_at() + dt.timedelta(days=n - 20)
        )
    client = client_for(cast.secretary)
    client.get("/meetings/")
    with django_assert_max_num_queries(14):
        response = client.get("/meetings/")
    assert len(titles(response)) == 40
    client = client_for(cast.member)
    with django_assert_max_num_queries(14):
        response = client.get("/meetings/")
    assert len(titles(response)) == 20


# --- Plan and change ----------------------------------------------------------------------


def test_cell_secretary_plans_a_meeting_of_their_cell_only(cast, client_for):
    client = client_for(cast.cell_secretary)
    page = client.get("/meetings/new/")
    assert page.status_code == 200
    choices = [value for value, _label in page.context["form"].fields["unit"].choices]
    assert choices == [str(cast.cell.code)]  # no committee, no other cell
    assert "add_to_calendar" not in page.context["form"].fields

    refused = client.post("/meetings/new/", meeting_form(unit=str(cast.other_cell.code)))
    assert refused.status_code == 400 and refused.context["form"].errors["unit"]
    assert not Meeting.objects.exists()

    people = {str(u.code) for u in page.context["form"].fields["chair"].queryset}
    assert str(cast.cell_deputy.code) in people and str(cast.secretary.code) not in people
    stranger = client.post(
        "/meetings/new/", meeting_form(unit=str(cast.cell.code), chair=str(cast.outsider.code))
    )
    assert stranger.status_code == 400 and stranger.context["form"].errors["chair"]
    assert not Meeting.objects.exists()

    data = meeting_form(
        unit=str(cast.cell.code),
        chair=str(cast.cell_secretary.code),
        secretary=str(cast.cell_deputy.code),
    )
    response = client.post("/meetings/new/", data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.code}/#agenda"
    assert meeting.unit == cast.cell and meeting.created_by == cast.cell_secretary
    assert (meeting.chair, meeting.secretary) == (cast.cell_secretary, cast.cell_deputy)
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "19:30"
    assert timezone.localtime(meeting.ends_at).strftime("%H:%M") == "21:00"
    # The same form posted twice plans one meeting.
    again = client.post("/meetings/new/", data)
    assert again["Location"] == response["Location"]
    assert Meeting.objects.count() == 1


def test_bad_meeting_input_is_shown_and_changes_nothing(cast, client_for):
    client = client_for(cast.cell_secretary)
    response = client.post(
        "/meetings/new/",
        meeting_form(
            unit=str(cast.cell.code), day="31/02/2026", starts="25:00", mode="hybrid", place=""
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["day"] and errors["starts"]
    response = client.post(
        "/meetings/new/",
        meeting_form(unit=str(cast.cell.code), kind="executive", mode="hybrid", ends="18:00"),
    )
    assert response.status_code == 400
    codes = {
        field: [e.code for e in errs]
        for field, errs in response.context["form"].errors.as_data().items()
    }
    assert codes["kind"] == ["kind_for_cell"]
    assert codes["online_url"] == ["online_url_required"]
    assert codes["ends"] == ["ends_before_start"]
    assert not Meeting.objects.exists()


def test_committee_meeting_can_go_into_the_work_calendar(cast, client_for):
    client = client_for(cast.clerk)
    page = client.get("/meetings/new/")
    choices = [value for value, _label in page.context["form"].fields["unit"].choices]
    assert "" in choices and str(cast.cell.code) in choices and str(cast.other_cell.code) in choices
    response = client.post(
        "/meetings/new/",
        meeting_form(kind="executive", title="Hội nghị Đảng ủy", add_to_calendar="on"),
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    entry = CalendarEntry.objects.get()
    assert (entry.meeting, entry.starts_at, entry.title, entry.is_published) == (
        meeting,
        meeting.starts_at,
        "Hội nghị Đảng ủy",
        False,
    )
    # A cell meeting does not go into the committee's calendar.
    refused = client.post(
        "/meetings/new/",
        meeting_form(unit=str(cast.cell.code), title="Chi bộ", add_to_calendar="on"),
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors.as_data()["add_to_calendar"][0].code == (
        "calendar_cell_meeting"
    )
    assert Meeting.objects.count() == 1
    # Moving the meeting moves its calendar entry.
    svc.meeting_update(
        actor=cast.clerk,
        meeting=meeting,
        starts_at=meeting.starts_at + dt.timedelta(days=1),
        ends_at=meeting.ends_at + dt.timedelta(days=1),
        place="Hội trường Đảng ủy",
    )
    entry.refresh_from_db()
    assert entry.starts_at == meeting.starts_at + dt.timedelta(days=1)
    assert entry.place == "Hội trường Đảng ủy"


def test_create_page_rights(cast, client_for):
    assert client_for(cast.member).get("/meetings/new/").status_code == 403
    assert client_for(cast.admin).get("/meetings/new/").status_code == 403
    assert client_for(cast.outsider).get("/meetings/new/").status_code == 403


def test_edit_a_meeting_and_a_stale_form_is_refused(cast, client_for):
    meeting = make_meeting(cast)
    client = client_for(cast.cell_secretary)
    page = client.get(f"/meetings/{meeting.code}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["starts"] = "18:00"
    data["ends"] = ""
    data["place"] = "Nhà ông Trưởng thôn"
    response = client.post(f"/meetings/{meeting.code}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.place == "Nhà ông Trưởng thôn" and meeting.version == 2
    # The same old form again: someone changed the meeting meanwhile.
    stale = client.post(f"/meetings/{meeting.code}/edit/", data | {"place": "Khác"})
    assert stale.status_code == 400
    assert stale.context["form"].errors.as_data()["__all__"][0].code == "stale"
    meeting.refresh_from_db()
    assert meeting.place == "Nhà ông Trưởng thôn"


def test_edit_rights(cast, client_for):
    meeting = make_meeting(cast)
    other = make_meeting(cast, unit=cast.other_cell)
    assert client_for(cast.member).get(f"/meetings/{meeting.code}/edit/").status_code == 403
    assert client_for(cast.cell_secretary).get(f"/meetings/{other.code}/edit/").status_code == 403
    assert client_for(cast.outsider).get(f"/meetings/{meeting.code}/edit/").status_code == 404


def test_cancel_a_meeting(cast, client_for):
    meeting = make_meeting(cast)
    client = client_for(cast.cell_secretary)
    assert client.get(f"/meetings/{meeting.code}/cancel/").status_code == 200
    empty = client.post(f"/meetings/{meeting.code}/cancel/", {"reason": "  "})
    assert empty.status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    response = client.post(f"/meetings/{meeting.code}/cancel/", {"reason": "Bão số 3"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    # A second click changes nothing.
    assert client.post(f"/meetings/{meeting.code}/cancel/", {"reason": "x"}).status_code == 302
    assert AuditEvent.objects.filter(object_id=str(meeting.code), changes__reason="x").count() == 0
    assert client_for(cast.member).post(f"/meetings/{meeting.code}/cancel/").status_code == 403
    assert client_for(cast.outsider).post(f"/meetings/{meeting.code}/cancel/").status_code == 404


# --- Status -------------------------------------------------------------------------------


def test_open_and_close_a_meeting(cast, client_for):
    meeting = make_meeting(cast, starts_at=today_at(7, 30))
    client = client_for(cast.cell_secretary)
    page = client.get(f"/meetings/{meeting.code}/")
    assert page.context["may_start"] and not page.context["may_close"]
    assert client.get(f"/meetings/{meeting.code}/start/").status_code == 405
    assert client.get(f"/meetings/{meeting.code}/close/").status_code == 405
    refused = client.post(f"/meetings/{meeting.code}/close/", follow=True)
    assert refused.status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED

    assert client.post(f"/meetings/{meeting.code}/start/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS and meeting.opened_at is not None
    opened_at = meeting.opened_at
    client.post(f"/meetings/{meeting.code}/start/")  # a second click
    meeting.refresh_from_db()
    assert meeting.opened_at == opened_at

    assert client.post(f"/meetings/{meeting.code}/close/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED and meeting.closed_at >= opened_at
    page = client.get(f"/meetings/{meeting.code}/")
    assert not page.context["may_start"] and not page.context["may_edit"]
    assert page.context["agenda_form"] is None


def test_status_services_refuse_with_codes(cast):
    later = make_meeting(cast)  # tomorrow
    with pytest.raises(ValidationError) as exc:
        svc.meeting_start(actor=cast.cell_secretary, meeting=later)
    assert exc.value.error_list[0].code == "too_early"
    with pytest.raises(ValidationError) as exc:
        svc.meeting_close(actor=cast.cell_secretary, meeting=later)
    assert exc.value.error_list[0].code == "not_in_progress"
    with pytest.raises(PermissionDenied):
        svc.meeting_start(actor=cast.member, meeting=later)
    cancelled = make_meeting(cast, starts_at=today_at(), status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        svc.meeting_start(actor=cast.cell_secretary, meeting=cancelled)
    assert exc.value.error_list[0].code == "meeting_over"


def test_status_rights(cast, client_for):
    meeting = make_meeting(cast, starts_at=today_at())
    for action in ("start", "close"):
        assert (
            client_for(cast.member).post(f"/meetings/{meeting.code}/{action}/").status_code == 403
        )
        assert (
            client_for(cast.outsider).post(f"/meetings/{meeting.code}/{action}/").status_code == 404
        )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


# --- Agenda -------------------------------------------------------------------------------


def agenda_titles(meeting) -> list[str]:
    return list(meeting.items.order_by("order").values_list("title", flat=True))


def test_agenda_add_reorder_edit_remove(cast, client_for):
    meeting = make_meeting(cast)
    client = client_for(cast.cell_secretary)
    url = f"/meetings/{meeting.code}/agenda/"
    assert client.get(url).status_code == 405
    for title in ("Thông tin thời sự", "Kiểm điểm tháng trước", "Nhân sự"):
        response = client.post(url, {"title": title, "presenter": "Bí thư"})
        assert response.status_code == 302
        assert response["Location"] == f"/meetings/{meeting.code}/#agenda"
    client.post(url, {"title": "Nhân sự"})  # a double submit
    assert agenda_titles(meeting) == ["Thông tin thời sự", "Kiểm điểm tháng trước", "Nhân sự"]
    empty = client.post(url, {"title": ""}, follow=True)
    assert empty.status_code == 200 and meeting.items.count() == 3

    third = meeting.items.get(title="Nhân sự")
    assert client.get(f"/meetings/agenda/{third.code}/move/").status_code == 405
    client.post(f"/meetings/agenda/{third.code}/move/", {"direction": "up"})
    assert agenda_titles(meeting) == ["Thông tin thời sự", "Nhân sự", "Kiểm điểm tháng trước"]
    # htmx gets the agenda block alone.
    partial = client.post(
        f"/meetings/agenda/{third.code}/move/", {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200
    assert b'id="agenda"' in partial.content and b"<html" not in partial.content
    assert agenda_titles(meeting) == ["Nhân sự", "Thông tin thời sự", "Kiểm điểm tháng trước"]
    client.post(f"/meetings/agenda/{third.code}/move/", {"direction": "up"})  # top already
    assert agenda_titles(meeting) == ["Nhân sự", "Thông tin thời sự", "Kiểm điểm tháng trước"]

    edit = client.get(f"/meetings/agenda/{third.code}/edit/")
    assert edit.status_code == 200
    response = client.post(
        f"/meetings/agenda/{third.code}/edit/",
        {"title": "Nhân sự cấp ủy", "presenter": "Phó Bí thư", "confidential": "on"},
    )
    assert response.status_code == 302
    third.refresh_from_db()
    assert (third.title, third.presenter, third.confidential) == (
        "Nhân sự cấp ủy",
        "Phó Bí thư",
        True,
    )
    page = client.get(f"/meetings/{meeting.code}/")
    assert "Nhân sự cấp ủy" in page.content.decode()

    first = meeting.items.get(title="Thông tin thời sự")
    assert client.get(f"/meetings/agenda/{first.code}/remove/").status_code == 405
    client.post(f"/meetings/agenda/{first.code}/remove/")
    assert agenda_titles(meeting) == ["Nhân sự cấp ủy", "Kiểm điểm tháng trước"]
    assert list(meeting.items.order_by("order").values_list("order", flat=True)) == [1, 2]
    # Removing it again: nothing happens (404 since it is gone).
    assert client.post(f"/meetings/agenda/{first.code}/remove/").status_code == 404


def test_an_item_with_a_vote_stays_on_the_agenda(cast):
    meeting = make_meeting(cast)
    item = svc.agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Nghị quyết")
    Vote.objects.create(
        meeting=meeting,
        item=item,
        question="Thông qua nghị quyết",
        method=Vote.Method.OPEN,
        rule=vote_rule_on(cast.committee, "resolution", timezone.localdate()),
    )
    with pytest.raises(ValidationError) as exc:
        svc.agenda_item_remove(actor=cast.cell_secretary, item=item)
    assert exc.value.error_list[0].code == "item_has_votes"
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_held_meetings_agenda_no_longer_changes(cast):
    meeting = make_meeting(cast)
    item = svc.agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Thời sự")
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)
    for call in (
        lambda: svc.agenda_item_move(actor=cast.cell_secretary, item=item, direction="down"),
        lambda: svc.agenda_item_update(actor=cast.cell_secretary, item=item, title="x"),
        lambda: svc.agenda_item_remove(actor=cast.cell_secretary, item=item),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.error_list[0].code == "meeting_over"


def test_agenda_rights(cast, client_for):
    meeting = make_meeting(cast)
    item = svc.agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Thời sự")
    urls = [
        (f"/meetings/{meeting.code}/agenda/", {"title": "x"}),
        (f"/meetings/agenda/{item.code}/move/", {"direction": "down"}),
        (f"/meetings/agenda/{item.code}/remove/", {}),
        (f"/meetings/agenda/{item.code}/edit/", {"title": "x"}),
    ]
    for url, data in urls:
        assert client_for(cast.member).post(url, data).status_code == 403, url
        assert client_for(cast.outsider).post(url, data).status_code == 404, url
    assert agenda_titles(meeting) == ["Thời sự"]


# --- The meeting page ---------------------------------------------------------------------


def test_the_meeting_page_shows_the_meeting_and_its_panels(cast, client_for):
    meeting = make_meeting(
        cast,
        mode=Meeting.Mode.HYBRID,
        online_url="https://meet.example.vn/chibo-dong-cat",
        chair=cast.cell_secretary,
    )
    svc.agenda_item_add(
        actor=cast.cell_secretary, meeting=meeting, title="Thời sự", confidential=True
    )
    response = client_for(cast.member).get(f"/meetings/{meeting.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://meet.example.vn/chibo-dong-cat" in html
    assert "Nhà văn hóa thôn" in html
    assert "Thời sự" not in html  # a confidential item; the member is not recorded present
    assert response.context["meeting"] == meeting and response.context["can_manage"] is False
    assert response.context["agenda_form"] is None
    names = [t.name for t in response.templates]
    for panel in ("attendance", "reader", "votes", "ballots", "minutes"):
        assert f"meetings/_{panel}_panel.html" in names
    # The panels come in this order on the page.
    order = [n for n in names if re.match(r"meetings/_\w+_panel\.html", n)]
    assert order[:5] == [
        "meetings/_attendance_panel.html",
        "meetings/_reader_panel.html",
        "meetings/_votes_panel.html",
        "meetings/_ballots_panel.html",
        "meetings/_minutes_panel.html",
    ]
    manager = client_for(cast.cell_secretary).get(f"/meetings/{meeting.code}/")
    assert manager.context["can_manage"] is True and manager.context["agenda_form"] is not None
    assert "Thời sự" in manager.content.decode()


def test_meeting_page_rights(cast, client_for):
    other = make_meeting(cast, unit=cast.other_cell)
    committee_meeting = make_meeting(cast, unit=False)
    assert client_for(cast.member).get(f"/meetings/{other.code}/").status_code == 403
    assert client_for(cast.member).get(f"/meetings/{committee_meeting.code}/").status_code == 403
    assert client_for(cast.outsider).get(f"/meetings/{other.code}/").status_code == 404
    assert client_for(cast.secretary).get(f"/meetings/{other.code}/").status_code == 200


def _busy_meeting(cast, members: int):
    """A meeting with 12 agenda items (3 confidential), `members` members recorded,
    an open vote, a secret ballot and minutes."""
    from capuyso.meetings.models import Attendance, Minutes
    from capuyso.meetings.services import votes as vote_services
    from capuyso.meetings.services.ballots import ballot_create
    from capuyso.meetings.tests.factories import make_cell_members

    meeting = make_meeting(cast)
    for n in range(12):
        svc.agenda_item_add(
            actor=cast.cell_secretary, meeting=meeting, title=f"Mục {n}", confidential=n % 4 == 0
        )
    statuses = ["present", "present", "present", "absent_excused", "absent_unexcused"]
    for i, member in enumerate(make_cell_members(cast, members, prefix=f"Người {members}")):
        Attendance.objects.create(meeting=meeting, member=member, status=statuses[i % 5])
    vote_services.vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question="Thông qua nghị quyết",
        method=Vote.Method.OPEN,
        rule_code="resolution",
    )
    ballot_create(actor=cast.cell_secretary, meeting=meeting, question="Nhân sự")
    Minutes.objects.create(meeting=meeting)
    return meeting


# The page's budget: session, user and rights (4), the meeting, its agenda with its
# documents (2), notifications, the committee, the invitation and answers, the attendance
# counts and the quorum rule, the votes (and their candidates), minutes and signers.
PAGE_QUERIES = 18


@pytest.mark.parametrize("who", ["cell_secretary", "member", "secretary"])
def test_meeting_page_queries_are_bounded_and_do_not_grow_with_the_roll(
    cast, client_for, django_assert_max_num_queries, who
):
    small = _busy_meeting(cast, 10)
    large = _busy_meeting(cast, 60)
    client = client_for(getattr(cast, who))
    for meeting in (small, large):
        client.get(f"/meetings/{meeting.code}/")
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(f"/meetings/{meeting.code}/").status_code == 200


def test_nav_has_meetings_and_the_calendar_active_on_its_own_page(cast, client_for):
    client = client_for(cast.member)
    items = {str(i["label"]): i for i in client.get("/meetings/calendar/").context["nav_items"]}
    calendar = next(i for i in items.values() if i["url"] == "/meetings/calendar/")
    meetings = next(i for i in items.values() if i["url"] == "/meetings/")
    assert calendar["active"] and not meetings["active"]
    items = client.get("/meetings/").context["nav_items"]
    assert next(i for i in items if i["url"] == "/meetings/")["active"]

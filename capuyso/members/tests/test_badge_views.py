"""The badges page, its exports and recording awards, through the browser's door."""

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.members.models import BadgeAward, DatePrecision, Member
from capuyso.members.services.badges import member_badge_summary, next_award_date

pytestmark = pytest.mark.django_db

D = dt.date
PAGE = "/members/badges/"
EXPORT = "/members/badges/export/"
RECORD = "/members/badges/record/"
MAY = {"date": "2026-05-19"}


@pytest.fixture
def people(cast):
    """On 19/05/2026: two regular candidates (one per cell), one early, one posthumous."""
    return {
        "an": make_member(
            cast.committee,
            cast.cell,
            "Trần Văn An",
            date_of_birth=D(1970, 5, 1),
            admission_date=D(1996, 3, 1),
        ),
        "binh": make_member(
            cast.committee, cast.other_cell, "Lê Thị Bình", admission_date=D(1986, 4, 2)
        ),
        "cuong": make_member(
            cast.committee, cast.cell, "Phạm Văn Cường", admission_date=D(1996, 8, 1)
        ),
        "dung": make_member(
            cast.committee,
            cast.cell,
            "Đỗ Văn Dũng",
            admission_date=D(1996, 12, 1),
            status=Member.Status.DECEASED,
            closed_on=D(2026, 4, 1),
        ),
    }


def listed(response, name="regular"):
    sections = {s["name"]: s for s in response.context["sections"]}
    return [c.full_name for c in sections[name]["rows"]]


def test_the_page_shows_the_next_award_date_by_default(cast, client_for):
    response = client_for(cast.party_building).get(PAGE)
    assert response.status_code == 200
    assert response.context["award_date"] == next_award_date(cast.committee)
    assert response.context["award_date"] >= timezone.localdate()


def test_the_page_shows_the_three_lists_for_a_chosen_award_date(cast, client_for, people):
    response = client_for(cast.party_building).get(PAGE, MAY)
    assert response.context["award_date"] == D(2026, 5, 19)
    assert listed(response) == ["Trần Văn An", "Lê Thị Bình"]  # cell order, then name
    assert listed(response, "early_illness") == ["Phạm Văn Cường"]
    assert listed(response, "posthumous") == ["Đỗ Văn Dũng"]
    html = response.content.decode()
    assert "01/03/1996" in html and "19/05/2026" in html
    assert response.context["can_record"] and 'name="decision_number"' in html
    assert [d.isoformat() for d in response.context["year_dates"]] == [
        "2026-02-03",
        "2026-05-19",
        "2026-09-02",
        "2026-11-07",
    ]


def test_another_year_opens_on_its_first_award_date(cast, client_for):
    response = client_for(cast.party_building).get(PAGE, {"year": "2027"})
    assert response.context["award_date"] == D(2027, 2, 3)


def test_a_cell_secretary_sees_their_cell_and_cannot_record(cast, client_for, people):
    response = client_for(cast.cell_secretary).get(PAGE, MAY)
    assert response.status_code == 200
    assert listed(response) == ["Trần Văn An"]
    assert not response.context["can_record"]
    assert 'name="decision_number"' not in response.content.decode()


def test_leaders_filter_by_cell(cast, client_for, people):
    response = client_for(cast.secretary).get(PAGE, {**MAY, "cell": str(cast.other_cell.code)})
    assert listed(response) == ["Lê Thị Bình"]


def test_who_may_open_the_page(cast, client_for):
    assert client_for(cast.standing).get(PAGE).status_code == 200
    for user in (cast.clerk, cast.member, cast.city_viewer, cast.outsider):
        assert client_for(user).get(PAGE).status_code == 403, user
    # Another committee's cell: not found, before any permission question.
    response = client_for(cast.outsider).get(PAGE, {"cell": str(cast.cell.code)})
    assert response.status_code == 404


def test_bad_dates_get_a_message_and_the_next_award_date(cast, client_for):
    client = client_for(cast.party_building)
    for value in ("19/05/2026x", "2026-05-20"):
        response = client.get(PAGE, {"date": value})
        assert response.status_code == 200
        assert response.context["award_date"] == next_award_date(cast.committee)
        assert len(list(response.context["messages"])) == 1
    response = client.get(PAGE, {"date": "19/05/2026"})  # dd/mm/yyyy is understood too
    assert response.context["award_date"] == D(2026, 5, 19)


def test_htmx_gets_the_lists_only(cast, client_for, people):
    response = client_for(cast.party_building).get(PAGE, MAY, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="badge-lists"' in html and "<html" not in html and "Trần Văn An" in html


def test_the_page_costs_the_same_queries_for_many_candidates(
    cast, client_for, people, django_assert_max_num_queries
):
    client = client_for(cast.party_building)
    with django_assert_max_num_queries(35):
        client.get(PAGE, MAY)
    for n in range(30):
        make_member(
            cast.committee,
            cast.other_cell,
            f"Nguyễn Văn {n}",
            admission_date=D(1996, 3, 2) + dt.timedelta(days=n),
        )
    with django_assert_max_num_queries(35):
        response = client.get(PAGE, MAY)
    assert len(listed(response)) == 32


# --- Exports ---------------------------------------------------------------------------------


def test_the_docx_proposal_has_the_party_heading_and_one_row_per_member(cast, client_for, people):
    response = client_for(cast.party_building).get(EXPORT, {**MAY, "format": "docx"})
    assert response.status_code == 200
    assert "huy-hieu-dang-2026-05-19.docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "DANH SÁCH" in text and "đợt 19/5/2026" in text
    header = document.tables[0].rows[0].cells
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header[1].text
    regular, posthumous = document.tables[1], document.tables[2]
    rows = [[c.text for c in row.cells] for row in regular.rows]
    assert rows[0] == [
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Chi bộ",
        "Ngày vào Đảng",
        "Tuổi đảng",
        "Huy hiệu",
    ]
    assert rows[1] == [
        "1",
        "Trần Văn An",
        "1970",
        "Chi bộ thôn Đồng Cát",
        "01/03/1996",
        "30 năm 2 tháng",
        "30 năm",
    ]
    assert rows[2][1] == "Lê Thị Bình" and rows[2][6] == "40 năm"
    assert [c.text for c in posthumous.rows[1].cells][1] == "Đỗ Văn Dũng"
    assert len(document.tables) == 3  # the early-illness list is not proposed by default
    event = AuditEvent.objects.get(verb="export", object_type="members.badge_list")
    assert event.changes["rows"] == 3 and event.changes["format"] == "docx"


def test_the_xlsx_holds_the_chosen_lists(cast, client_for, people):
    response = client_for(cast.party_building).get(
        EXPORT, {**MAY, "format": "xlsx", "list": ["regular", "early_illness"]}
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 2
    regular = workbook[workbook.sheetnames[0]]
    rows = list(regular.iter_rows(min_row=4, values_only=True))
    assert rows[0][:5] == (1, "Trần Văn An", 1970, "Chi bộ thôn Đồng Cát", dt.datetime(1996, 3, 1))
    assert rows[0][5:] == ("30 năm 2 tháng", "30 năm")
    assert [r[1] for r in rows] == ["Trần Văn An", "Lê Thị Bình"]
    early = list(workbook[workbook.sheetnames[1]].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in early] == ["Phạm Văn Cường"]


def test_an_imprecise_date_is_exported_as_known(cast, client_for):
    make_member(
        cast.committee,
        cast.cell,
        "Chỉ biết năm",
        admission_date=D(1996, 1, 1),
        admission_date_precision=DatePrecision.YEAR,
    )
    response = client_for(cast.party_building).get(
        EXPORT, {**MAY, "format": "xlsx", "list": "check"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(sheet.iter_rows(min_row=4, values_only=True))
    assert row[1:] == ("Chỉ biết năm", 1970, "Chi bộ thôn Đồng Cát", "1996", "29–30 năm", "30 năm")


def test_the_export_follows_the_page_scope(cast, client_for, people):
    response = client_for(cast.cell_secretary).get(EXPORT, {**MAY, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[1] for r in sheet.iter_rows(min_row=4, values_only=True)] == ["Trần Văn An"]
    assert client_for(cast.clerk).get(EXPORT, {**MAY, "format": "xlsx"}).status_code == 403
    outsider = client_for(cast.outsider)
    assert (
        outsider.get(EXPORT, {**MAY, "format": "xlsx", "cell": str(cast.cell.code)}).status_code
        == 404
    )


def test_bad_export_input_goes_back_to_the_page_with_a_message(cast, client_for):
    client = client_for(cast.party_building)
    response = client.get(EXPORT, {**MAY, "format": "pdf"})
    assert response.status_code == 302 and "date=2026-05-19" in response["Location"]
    assert client.get(EXPORT, {"date": "2026-05-20", "format": "xlsx"}).status_code == 302
    assert not AuditEvent.objects.filter(verb="export").exists()


# --- Recording -----------------------------------------------------------------------------


def form_data(*members, kind="regular", milestone=30, **extra):
    data = {
        "award_date": "2026-05-19",
        "decision_number": "125-QĐ/TU",
        "decision_date": "10/05/2026",
        "selected": [f"{m.code}:{milestone}:{kind}" for m in members],
    }
    data.update(extra)
    return data


def test_recording_a_decision_and_submitting_it_twice(cast, client_for, people):
    client = client_for(cast.party_building)
    data = form_data(people["an"])
    data["selected"].append(f"{people['cuong'].code}:30:early_illness")
    data["selected"].append(f"{people['binh'].code}:40:regular")
    response = client.post(RECORD, data)
    assert response.status_code == 302 and "date=2026-05-19" in response["Location"]
    assert BadgeAward.objects.count() == 3
    award = BadgeAward.objects.get(member=people["cuong"])
    assert (award.kind, award.decision_date) == ("early_illness", D(2026, 5, 10))
    again = client.post(RECORD, data)
    assert again.status_code == 302 and BadgeAward.objects.count() == 3
    assert AuditEvent.objects.filter(object_type="members.badgeaward").count() == 3
    page = client.get(PAGE, MAY)
    assert listed(page) == [] and listed(page, "posthumous") == ["Đỗ Văn Dũng"]


def test_a_refused_decision_shows_the_errors_and_saves_nothing(cast, client_for, people):
    client = client_for(cast.party_building)
    response = client.post(RECORD, form_data(people["an"], decision_number=""))
    assert response.status_code == 200
    assert response.context["form"].errors["decision_number"]
    assert response.context["form"]["decision_number"].errors.data[0].code == "required"
    assert f"{people['an'].code}:30:regular" in response.context["selected"]
    response = client.post(RECORD, form_data(people["an"], kind="posthumous"))
    assert response.context["form"].errors["selected"]
    assert response.context["form"]["selected"].errors.data[0].code == "not_a_candidate"
    response = client.post(RECORD, form_data())
    assert response.context["form"]["selected"].errors.data[0].code == "nothing_selected"
    assert not BadgeAward.objects.exists()


def test_recording_is_post_only_and_for_committee_wide_managers(cast, client_for, people):
    assert client_for(cast.party_building).get(RECORD).status_code == 405
    data = form_data(people["an"])
    for user in (cast.cell_secretary, cast.standing, cast.clerk):
        assert client_for(user).post(RECORD, data).status_code == 403, user
    # Another committee's admin naming this committee's members: not found.
    assert client_for(cast.outsider).post(RECORD, data).status_code == 404
    assert not BadgeAward.objects.exists()


def test_the_file_partial_shows_party_age_next_badge_and_awards(cast, people):
    member = people["an"]
    BadgeAward.objects.create(
        member=member,
        milestone=30,
        award_date=D(2026, 5, 19),
        kind="regular",
        decision_number="125-QĐ/TU",
        decision_date=D(2026, 5, 10),
    )
    html = render_to_string(
        "members/_badges.html",
        {"badge_summary": member_badge_summary(member, on=D(2026, 6, 1))},
    )
    assert "125-QĐ/TU" in html and "19/05/2026" in html and "01/03/2036" in html

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from capuyso.accounts.roles import Role
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, make_user
from capuyso.members import exports
from capuyso.members.models import DatePrecision, Member
from capuyso.members.selectors import MemberFilters

pytestmark = pytest.mark.django_db

XLSX = "/members/export/list.xlsx"
PDF = "/members/export/list.pdf"
CSV = "/members/export/cards.csv"
EXPORTS = (XLSX, PDF, CSV)


@pytest.fixture
def people(cast):
    """Three members of the cell (one known by year of birth only), one in the other cell,
    one struck off, and one of the other committee."""
    return {
        "an": make_member(
            cast.committee,
            cast.cell,
            "Trần Văn An",
            card_number="01123456",
            citizen_id="001070012345",
            phone="0912345678",
            date_of_birth=dt.date(1970, 1, 1),
            date_of_birth_precision=DatePrecision.YEAR,
        ),
        "binh": make_member(
            cast.committee,
            cast.cell,
            "Đặng Thị Bình",
            sex=Member.Sex.FEMALE,
            card_number="01123457",
            date_of_birth=dt.date(1985, 3, 5),
        ),
        "cuong": make_member(
            cast.committee,
            cast.cell,
            "Lê Văn Cường",
            status=Member.Status.PROBATIONARY,
            full_membership_date=None,
            admission_date=dt.date(2026, 1, 15),
            date_of_birth=dt.date(2000, 7, 9),
        ),
        "dung": make_member(
            cast.committee, cast.other_cell, "Phạm Thị Dung", sex=Member.Sex.FEMALE
        ),
        "gone": make_member(
            cast.committee, cast.cell, "Ngô Văn Giang", status=Member.Status.STRUCK_OFF
        ),
        "foreign": make_member(cast.other, cast.foreign_cell, "Mai Văn Đức"),
    }


def sheet_rows(response):
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def data_rows(response):
    return sheet_rows(response)[4:]  # title, filters, blank, header


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:])))


def exported_events():
    return AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT, object_type="members.list")


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_has_one_row_per_active_member_in_list_order(cast, client_for, people):
    response = client_for(cast.party_building).get(XLSX)

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert "PHÚ CÁT" in rows[0][0] and exports.ACTIVE_LABEL in rows[1][0]
    assert rows[3] == tuple(c.title for c in exports.LIST_COLUMNS)
    names = [row[1] for row in rows[4:]]
    # The list page's order (folded name), active members only, this committee only.
    assert names == ["Đặng Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Trần Văn An"]
    assert [row[0] for row in rows[4:]] == [1, 2, 3, 4]


def test_xlsx_cells_hold_dates_labels_and_a_year_alone_when_only_the_year_is_known(
    cast, client_for, people
):
    response = client_for(cast.secretary).get(XLSX, {"q": "tran van an"})
    book = load_workbook(io.BytesIO(response.content))
    row = list(book.active.iter_rows(min_row=5, max_row=5))[0]
    values = [cell.value for cell in row]

    assert values[1:3] == ["Trần Văn An", "Nam"]
    assert values[3] == "1970"  # year only: never an invented 01/01/1970
    assert values[4] == "Chi bộ thôn Đồng Cát"
    assert values[5] == "01123456"
    assert values[6] == dt.datetime(2000, 2, 3)  # a real date…
    assert row[6].number_format == "dd/mm/yyyy"  # …shown dd/mm/yyyy
    assert values[7] == dt.datetime(2001, 2, 3)
    assert values[8] == "Chính thức"
    assert values[9] == "0912345678"


def test_export_follows_the_list_filters(cast, client_for, people):
    client = client_for(cast.secretary)

    def names(query):
        return [row[1] for row in data_rows(client.get(XLSX, query))]

    assert names({"sex": "female"}) == ["Đặng Thị Bình", "Phạm Thị Dung"]
    assert names({"status": "probationary"}) == ["Lê Văn Cường"]
    assert names({"status": "all", "cell": str(cast.cell.code)}) == [
        "Đặng Thị Bình",
        "Lê Văn Cường",
        "Ngô Văn Giang",
        "Trần Văn An",
    ]
    assert names({"q": "01123457"}) == ["Đặng Thị Bình"]  # card number
    assert names({"q": "001070012345"}) == ["Trần Văn An"]  # citizen ID
    assert names({"q": "DANG thi"}) == ["Đặng Thị Bình"]  # folded name
    assert names({"age": "lt30"}) == ["Lê Văn Cường"]
    assert names({"status": "bogus", "age": "nonsense"}) == names({})  # ignored, as the list


@pytest.mark.parametrize(
    "query",
    [{}, {"sex": "female"}, {"status": "all"}, {"q": "van"}, {"party_age": "10-29"}],
)
def test_export_holds_exactly_what_the_list_page_shows(cast, client_for, people, query):
    client = client_for(cast.secretary)
    listed = [m.full_name for m in client.get("/members/", query).context["page"].object_list]

    exported = [row[1] for row in data_rows(client.get(XLSX, query))]

    assert exported == listed


def test_cell_secretary_exports_only_their_cell(cast, client_for, people):
    client = client_for(cast.cell_secretary)

    rows = sheet_rows(client.get(XLSX))

    assert [row[1] for row in rows[4:]] == ["Đặng Thị Bình", "Lê Văn Cường", "Trần Văn An"]
    assert "Chi bộ thôn Đồng Cát" in rows[1][0]  # the scope is said in the title rows
    assert client.get(XLSX, {"cell": str(cast.other_cell.code)}).status_code == 403


def test_export_is_audited_with_the_filters_and_the_count(cast, client_for, people):
    client_for(cast.cell_secretary).get(XLSX, {"sex": "female", "cell": str(cast.cell.code)})

    event = exported_events().get()
    assert event.actor == cast.cell_secretary
    assert event.committee == cast.committee
    assert event.object_id == str(cast.cell.code)
    assert event.changes["format"] == "xlsx"
    assert event.changes["rows"] == 1
    assert event.changes["filters"]["sex"] == "female"
    assert event.changes["filters"]["cell_name"] == "Chi bộ thôn Đồng Cát"


def test_a_name_typed_as_a_formula_stays_text(cast, client_for):
    make_member(cast.committee, cast.cell, '=HYPERLINK("http://x","y")')
    book = load_workbook(io.BytesIO(client_for(cast.secretary).get(XLSX).content))
    cell = book.active.cell(row=5, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_xlsx_queries_do_not_grow_with_the_list(cast, client_for, django_assert_max_num_queries):
    for i in range(60):
        make_member(cast.committee, cast.cell, f"Đảng viên {i}")
    client = client_for(cast.secretary)
    client.get(XLSX)
    # session, user, positions, grants, the rows, the audit chain (lock, last row, insert)
    with django_assert_max_num_queries(12):
        response = client.get(XLSX)
    assert len(data_rows(response)) == 60


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_lists_the_members_with_diacritics_and_the_committee_on_each_page(
    cast, client_for, people
):
    response = client_for(cast.cell_secretary).get(PDF, {"status": "all"})

    assert response.status_code == 200
    assert response["Content-Type"] == exports.PDF_TYPE
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert all("ĐẢNG BỘ XÃ PHÚ CÁT" in page.extract_text() for page in reader.pages)
    for expected in ("DANH SÁCH ĐẢNG VIÊN", "Đặng Thị Bình", "Ngô Văn Giang"):
        assert expected in text
    assert "Phạm Thị Dung" not in text  # the other cell
    assert "1970" in text and "05/03/1985" in text
    assert exported_events().get().changes["format"] == "pdf"


def test_pdf_over_the_cap_sends_back_to_the_list_and_exports_nothing(
    cast, client_for, people, settings
):
    settings.MEMBERS_EXPORT_PDF_MAX_ROWS = 1
    client = client_for(cast.secretary)

    response = client.get(PDF, {"sex": "male"})

    assert response.status_code == 302
    assert response["Location"] == "/members/?sex=male"
    assert not exported_events().exists()
    assert len(list(response.wsgi_request._messages)) == 1


# --- CSV ---------------------------------------------------------------------------------


def test_card_csv_has_a_bom_a_header_and_the_card_fields(cast, client_for, people):
    response = client_for(cast.party_building).get(CSV, {"cell": str(cast.cell.code)})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == exports.CSV_TYPE
    rows = csv_rows(response)
    assert rows[0] == list(exports.CARD_COLUMNS)
    assert rows[1:] == [
        ["01123457", "Đặng Thị Bình", "05/03/1985", "03/02/2000", "03/02/2001",
         "Chi bộ thôn Đồng Cát", ""],
        ["", "Lê Văn Cường", "09/07/2000", "15/01/2026", "", "Chi bộ thôn Đồng Cát", ""],
        ["01123456", "Trần Văn An", "1970", "03/02/2000", "03/02/2001",
         "Chi bộ thôn Đồng Cát", "001070012345"],
    ]  # fmt: skip
    event = exported_events().get()
    assert event.changes["format"] == "csv" and event.changes["rows"] == 3


def test_card_csv_neutralises_formulas(cast, client_for):
    make_member(cast.committee, cast.cell, "=1+2")
    rows = csv_rows(client_for(cast.secretary).get(CSV))
    assert rows[1][1] == "'=1+2"


# --- Who may export ----------------------------------------------------------------------


@pytest.mark.parametrize("url", EXPORTS)
def test_roles_without_the_file_right_are_refused(cast, client_for, people, url):
    # The clerk and a committee member see the list but may not open files.
    for user in (cast.clerk, cast.committee_member, cast.member, cast.admin):
        assert client_for(user).get(url).status_code == 403, user
    assert not exported_events().exists()


@pytest.mark.parametrize("url", EXPORTS)
def test_a_cell_of_another_committee_is_not_found(cast, client_for, people, url):
    response = client_for(cast.secretary).get(url, {"cell": str(cast.foreign_cell.code)})
    assert response.status_code == 404
    outsider = make_user(cast.other, "bxd-dx", "Hà Văn Xuân", Role.PARTY_BUILDING)
    assert client_for(outsider).get(url, {"cell": str(cast.cell.code)}).status_code == 404


@pytest.mark.parametrize("url", EXPORTS)
def test_an_outsider_gets_only_their_own_committee(cast, client_for, people, url):
    outsider = make_user(cast.other, "bxd-dx", "Hà Văn Xuân", Role.PARTY_BUILDING)
    response = client_for(outsider).get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if url == XLSX:
        assert [row[1] for row in data_rows(response)] == ["Mai Văn Đức"]
    elif url == CSV:
        assert "Trần Văn An" not in content.decode("utf-8")


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_answer_only_get(cast, client_for, url):
    assert client_for(cast.secretary).post(url).status_code == 405


@pytest.mark.parametrize("url", EXPORTS)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


# --- Links on the list page -------------------------------------------------------------


def test_the_list_links_to_the_exports_of_what_it_shows(cast, client_for, people):
    client = client_for(cast.cell_secretary)
    query = {"sex": "female", "cell": str(cast.cell.code)}

    page = client.get("/members/", query).content.decode()
    table = client.get("/members/", query, headers={"HX-Request": "true"}).content.decode()

    for html in (page, table):
        for url in EXPORTS:
            assert f'href="{url}?cell={cast.cell.code}&amp;sex=female"' in html


def test_no_export_links_for_roles_that_may_not_export(cast, client_for, people):
    html = client_for(cast.clerk).get("/members/").content.decode()
    assert XLSX not in html and CSV not in html


# --- The pieces --------------------------------------------------------------------------


def test_every_choice_has_a_vietnamese_label():
    assert set(exports.SEX_LABELS) == set(Member.Sex.values)
    assert set(exports.STATUS_LABELS) == set(Member.Status.values)
    assert set(exports.EDUCATION_LABELS) == set(Member.GeneralEducation.values)
    assert set(exports.QUALIFICATION_LABELS) == set(Member.Qualification.values)
    assert set(exports.THEORY_LABELS) == set(Member.Theory.values)


def test_filters_are_described_in_vietnamese():
    filters = MemberFilters(
        q="an", status="full", age="30-45", party_age="50+", sex="female", theory="advanced"
    )
    text = exports.describe_filters(filters, scope="Chi bộ thôn Đồng Cát")
    assert text == (
        "Chi bộ thôn Đồng Cát; Trạng thái: Chính thức; Tuổi đời: từ 30 đến 45 tuổi; "
        "Tuổi đảng: từ 50 năm trở lên; Giới tính: Nữ; Lý luận chính trị: Cao cấp; Tìm: “an”"
    )
    assert exports.describe_filters(MemberFilters(age="lt30")).endswith("Tuổi đời: dưới 30 tuổi")


def test_dates_show_what_is_known():
    day = dt.date(1970, 3, 5)
    assert exports.shown_date(day) == "05/03/1970"
    assert exports.shown_date(day, DatePrecision.MONTH) == "03/1970"
    assert exports.shown_date(day, DatePrecision.YEAR) == "1970"
    assert exports.shown_date(None) == ""


def test_file_names_are_ascii(cast):
    name = exports.filename("xlsx", cast.committee, cast.cell, today=dt.date(2026, 11, 28))
    assert name == "danh-sach-dang-vien-chi-bo-thon-dong-cat-20261128.xlsx"
    assert exports.filename("csv", cast.committee, today=dt.date(2026, 1, 2)) == (
        "the-dang-vien-dang-bo-xa-phu-cat-20260102.csv"
    )

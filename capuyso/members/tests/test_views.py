"""The member file pages: who may open what, the create/edit forms, the records on the file,
papers and correction requests, through the browser's requests."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, today
from capuyso.members.forms import MemberForm, format_date
from capuyso.members.models import (
    Commendation,
    CorrectionRequest,
    DatePrecision,
    Discipline,
    FamilyRelation,
    Member,
    MemberRevision,
    Paper,
)
from capuyso.members.services import records
from capuyso.members.services.file import member_create, member_update
from capuyso.members.views import template_exists


@pytest.fixture
def member(cast):
    return make_member(cast.committee, cast.cell, "Trần Văn An", occupation="Giáo viên")


@pytest.fixture
def own(cast):
    own = make_member(cast.committee, cast.cell, "Ngô Văn Phúc")
    cast.member.member = own
    cast.member.save()
    return own


def png_upload(name="giay-khen.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _edit_data(member, **changes):
    data = {}
    for name, value in MemberForm.initial_for(member).items():
        if value is None:
            value = ""
        data[name] = format_date(value) if not isinstance(value, str | int) else value
    data["effective_on"] = format_date(today())
    data.update(changes)
    return data


def _create_data(cell, **changes):
    data = {
        "full_name": "Vũ Thị Lan",
        "sex": "female",
        "date_of_birth": "05/03/1985",
        "ethnicity": "Kinh",
        "citizen_id": "001185012345",
        "phone": "0912 345 678",
        "card_number": "99887766",
        "cell": str(cell.code),
        "admission_date": "19/05/2010",
        "ceremony_date": "02/06/2010",
        "full_membership_date": "02/06/2011",
        "general_education": "upper_secondary",
        "qualification": "university",
        "political_theory": "intermediate",
    }
    data.update(changes)
    return data


# --- Who may open the file -------------------------------------------------------------


def test_cell_secretary_lists_only_their_cell(cast, client_for):
    mine = make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    response = client_for(cast.cell_secretary).get("/members/")
    assert [m.pk for m in response.context["page"]] == [mine.pk]


def test_opening_a_member_file_is_audited(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Trần Văn An")
    response = client_for(cast.cell_secretary).get(f"/members/{member.code}/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(verb="view", object_id=str(member.code)).get()
    assert event.actor == cast.cell_secretary


def test_file_outside_scope_is_refused_and_not_logged_as_viewed(cast, client_for):
    other = make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    assert client_for(cast.cell_secretary).get(f"/members/{other.code}/").status_code == 403
    assert client_for(cast.clerk).get(f"/members/{other.code}/").status_code == 403
    assert not AuditEvent.objects.filter(verb="view", object_id=str(other.code)).exists()


def test_plain_member_sees_only_own_file(cast, client_for, own):
    other = make_member(cast.committee, cast.cell, "Trần Văn An")
    client = client_for(cast.member)
    assert client.get("/members/").status_code == 403
    assert client.get(f"/members/{own.code}/").status_code == 200
    assert client.get(f"/members/{other.code}/").status_code == 403


@pytest.mark.parametrize("role", ["secretary", "standing", "party_building", "inspector"])
def test_leaders_and_party_building_open_any_file_of_the_committee(cast, client_for, role):
    other = make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    assert client_for(getattr(cast, role)).get(f"/members/{other.code}/").status_code == 200


def test_outsider_gets_404_on_every_file_page(cast, client_for, member):
    commendation = records.commendation_add(
        actor=cast.secretary,
        member=member,
        form="Giấy khen",
        decision_number="1-QĐ",
        decision_date=dt.date(2020, 1, 1),
    )
    client = client_for(cast.outsider)
    base = f"/members/{member.code}"
    for url in (
        f"{base}/",
        f"{base}/edit/",
        f"{base}/commendations/new/",
        f"{base}/disciplines/new/",
        f"{base}/family/new/",
        f"{base}/papers/new/",
        f"{base}/corrections/new/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/commendations/{commendation.code}/remove/").status_code == 404
    assert Commendation.objects.exists()


def test_pages_that_change_the_file_need_the_manage_right(cast, client_for, member):
    base = f"/members/{member.code}"
    pages = (
        f"{base}/edit/",
        f"{base}/commendations/new/",
        f"{base}/disciplines/new/",
        f"{base}/family/new/",
        f"{base}/papers/new/",
    )
    for user in (cast.cell_deputy, cast.standing, cast.clerk, cast.member):
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user.username, url)
    for user in (cast.cell_secretary, cast.party_building, cast.secretary):
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.username, url)
    other = make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    client = client_for(cast.cell_secretary)
    assert client.get(f"/members/{other.code}/edit/").status_code == 403


def test_remove_views_are_post_only_and_need_the_right(cast, client_for, member):
    commendation = records.commendation_add(
        actor=cast.secretary,
        member=member,
        form="Giấy khen",
        decision_number="1-QĐ",
        decision_date=dt.date(2020, 1, 1),
    )
    discipline = records.discipline_add(
        actor=cast.secretary,
        member=member,
        form=Discipline.Form.REPRIMAND,
        decision_number="2-QĐ",
        decision_date=dt.date(2021, 1, 1),
    )
    relative = records.relation_add(
        actor=cast.secretary, member=member, relation="mother", full_name="Lê Thị Mẹ"
    )
    paper = records.paper_attach(
        actor=cast.secretary, member=member, kind="other", title="Ảnh", upload=png_upload()
    )
    base = f"/members/{member.code}"
    urls = (
        f"{base}/commendations/{commendation.code}/remove/",
        f"{base}/disciplines/{discipline.code}/remove/",
        f"{base}/family/{relative.code}/remove/",
        f"{base}/papers/{paper.code}/remove/",
    )
    client = client_for(cast.cell_secretary)
    for url in urls:
        assert client.get(url).status_code == 405, url
    client = client_for(cast.cell_deputy)
    for url in urls:
        assert client.post(url).status_code == 403, url
    client = client_for(cast.cell_secretary)
    for url in urls:
        assert client.post(url).status_code == 302, url
    assert not Commendation.objects.exists()
    assert not Discipline.objects.exists()
    assert not FamilyRelation.objects.exists()
    assert not Paper.objects.exists()


def test_create_page_needs_the_manage_right(cast, client_for):
    for user in (cast.member, cast.clerk, cast.standing, cast.cell_deputy, cast.outsider):
        assert client_for(user).get("/members/new/").status_code == 403, user.username
    response = client_for(cast.cell_secretary).get("/members/new/")
    assert response.status_code == 200
    choices = [code for code, _ in response.context["form"].fields["cell"].choices if code]
    assert choices == [str(cast.cell.code)]
    response = client_for(cast.party_building).get("/members/new/")
    choices = {code for code, _ in response.context["form"].fields["cell"].choices if code}
    assert choices == {str(cast.cell.code), str(cast.other_cell.code)}


# --- Create and edit ---------------------------------------------------------------------


def test_create_with_vietnamese_dates(cast, client_for):
    data = _create_data(cast.cell, date_of_birth="1985", full_membership_date="6/2011")
    response = client_for(cast.cell_secretary).post("/members/new/", data)
    member = Member.objects.get()
    assert response.status_code == 302
    assert response.url == f"/members/{member.code}/"
    assert member.date_of_birth == dt.date(1985, 1, 1)
    assert member.date_of_birth_precision == DatePrecision.YEAR
    assert member.full_membership_date == dt.date(2011, 6, 1)
    assert member.full_membership_date_precision == DatePrecision.MONTH
    assert member.admission_date == dt.date(2010, 5, 19)
    assert member.ceremony_date == dt.date(2010, 6, 2)
    assert member.phone == "0912345678"
    assert member.cell == cast.cell
    assert member.status == Member.Status.FULL
    detail = client_for(cast.cell_secretary).get(response.url).content.decode()
    assert "1985" in detail
    assert "19/05/2010" in detail


def test_create_refuses_a_cell_of_another_committee_posted_by_hand(cast, client_for):
    data = _create_data(cast.foreign_cell)
    response = client_for(cast.party_building).post("/members/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["cell"][0].code == "cell_other_committee"
    assert not Member.objects.exists()


def test_create_refuses_a_cell_outside_the_users_scope(cast, client_for):
    response = client_for(cast.cell_secretary).post("/members/new/", _create_data(cast.other_cell))
    assert response.status_code == 200
    assert "cell" in response.context["form"].errors
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"date_of_birth": "31/02/1985"}, "date_of_birth", "invalid"),
        ({"admission_date": "2010/19/05"}, "admission_date", "invalid"),
        ({"ceremony_date": "2010"}, "ceremony_date", "invalid"),
        ({"citizen_id": "00118501234"}, "citizen_id", "citizen_id"),
        ({"full_membership_date": "01/01/2009"}, "full_membership_date", "full_before_admission"),
        ({"admission_date": "01/01/2099"}, "admission_date", "future"),
    ],
)
def test_create_shows_bad_input_and_saves_nothing(cast, client_for, changes, field, code):
    response = client_for(cast.cell_secretary).post(
        "/members/new/", _create_data(cast.cell, **changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()[field][0].code == code
    assert not Member.objects.exists()


def test_edit_saves_a_dated_change(cast, client_for, member):
    data = _edit_data(member, occupation="Hưu trí", effective_on="01/09/2020")
    response = client_for(cast.cell_secretary).post(f"/members/{member.code}/edit/", data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.occupation == "Hưu trí"
    assert member.version == 2
    revision = member.revisions.get()
    assert revision.effective_on == dt.date(2020, 9, 1)
    assert revision.changes == {"occupation": ["Giáo viên", "Hưu trí"]}


def test_edit_form_shows_dates_in_vietnamese(cast, client_for):
    member = make_member(
        cast.committee,
        cast.cell,
        "Trần Văn An",
        date_of_birth=dt.date(1950, 1, 1),
        date_of_birth_precision=DatePrecision.YEAR,
    )
    content = client_for(cast.cell_secretary).get(f"/members/{member.code}/edit/").content
    content = content.decode()
    assert 'value="1950"' in content
    assert 'value="03/02/2000"' in content  # admission date
    assert f'value="{today():%d/%m/%Y}"' in content  # takes effect from today


def test_stale_edit_is_refused_and_nothing_saved(cast, client_for, member):
    data = _edit_data(member, occupation="Nông dân")
    member_update(actor=cast.secretary, member=member, data={"workplace": "UBND xã"})
    response = client_for(cast.cell_secretary).post(f"/members/{member.code}/edit/", data)
    assert response.status_code == 302
    assert response.url == f"/members/{member.code}/edit/"
    member.refresh_from_db()
    assert member.occupation == "Giáo viên"
    assert member.workplace == "UBND xã"


def test_edit_with_future_effective_date_is_refused(cast, client_for, member):
    future = format_date(today() + dt.timedelta(days=2))
    data = _edit_data(member, occupation="Nông dân", effective_on=future)
    response = client_for(cast.cell_secretary).post(f"/members/{member.code}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["effective_on"][0].code == "future"
    member.refresh_from_db()
    assert member.occupation == "Giáo viên"


def test_edit_duplicate_card_is_refused(cast, client_for, member):
    make_member(cast.committee, cast.other_cell, "Lê Thị Bích", card_number="555")
    data = _edit_data(member, card_number="555")
    response = client_for(cast.cell_secretary).post(f"/members/{member.code}/edit/", data)
    assert response.context["form"].errors.as_data()["card_number"][0].code == "duplicate_card"


def test_closed_record_shows_read_only(cast, client_for):
    closed = make_member(cast.committee, cast.cell, "Lê Văn Cũ", status=Member.Status.STRUCK_OFF)
    client = client_for(cast.cell_secretary)
    response = client.get(f"/members/{closed.code}/edit/")
    assert response.status_code == 200
    assert response.context["readonly"] is True
    assert "form" not in response.context
    data = _edit_data(closed, occupation="Nông dân")
    response = client.post(f"/members/{closed.code}/edit/", data)
    closed.refresh_from_db()
    assert closed.occupation == ""
    detail = client.get(f"/members/{closed.code}/")
    assert detail.context["can_edit"] is False
    response = client.get(f"/members/{closed.code}/commendations/new/")
    assert response.status_code == 302


# --- The file page -------------------------------------------------------------------


def test_file_shows_every_section_and_the_history(cast, client_for):
    member = member_create(
        actor=cast.secretary,
        committee=cast.committee,
        data={
            "full_name": "Trần Văn An",
            "sex": "male",
            "date_of_birth": dt.date(1970, 5, 1),
            "admission_date": dt.date(2000, 2, 3),
            "full_membership_date": dt.date(2001, 2, 3),
            "cell": cast.cell,
            "political_theory": "elementary",
            "positions_held": "Trưởng thôn 2010-2015",
        },
    )
    member_update(
        actor=cast.secretary,
        member=member,
        data={"political_theory": "intermediate"},
        effective_on=dt.date(2022, 3, 1),
    )
    records.commendation_add(
        actor=cast.secretary,
        member=member,
        form="Giấy khen của Đảng ủy",
        decision_number="15-QĐ/ĐU",
        decision_date=dt.date(2024, 2, 3),
    )
    records.relation_add(
        actor=cast.secretary, member=member, relation="father", full_name="Trần Văn Bố"
    )
    response = client_for(cast.party_building).get(f"/members/{member.code}/")
    content = response.content.decode()
    titles = [str(title) for title, _ in response.context["sections"]]
    assert len(titles) == 4  # identity, membership, background, positions (no notes)
    assert "Trưởng thôn 2010-2015" in content
    assert "15-QĐ/ĐU" in content
    assert "Trần Văn Bố" in content
    history = response.context["history"]
    assert history[0].effective_on == dt.date(2022, 3, 1)
    label, old, new = history[0].changes[0]
    assert old == str(Member.Theory.ELEMENTARY.label)
    assert new == str(Member.Theory.INTERMEDIATE.label)
    assert f"{old} → {new}" in content


def test_file_on_a_past_date(cast, client_for, member):
    member_update(
        actor=cast.secretary,
        member=member,
        data={"occupation": "Hưu trí"},
        effective_on=dt.date(2024, 1, 1),
    )
    client = client_for(cast.cell_secretary)
    response = client.get(f"/members/{member.code}/", {"on": "31/12/2023"})
    state = dict(row for _, rows in response.context["state_sections"] for row in rows)
    assert "Giáo viên" in state.values()
    response = client.get(f"/members/{member.code}/", {"on": "01/01/2024"})
    state = dict(row for _, rows in response.context["state_sections"] for row in rows)
    assert "Hưu trí" in state.values()
    response = client.get(f"/members/{member.code}/", {"on": "01/01/1990"})
    assert response.context["state_sections"] is None
    response = client.get(f"/members/{member.code}/", {"on": "32/13/2020"})
    assert response.context["state_form"].errors
    response = client.get(
        f"/members/{member.code}/", {"on": "31/12/2023"}, headers={"HX-Request": "true"}
    )
    assert 'id="file-state"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_state_on_date_is_audited_like_any_view(cast, client_for, member):
    client_for(cast.cell_secretary).get(f"/members/{member.code}/", {"on": "01/01/2020"})
    assert AuditEvent.objects.filter(verb="view", object_id=str(member.code)).count() == 1


def test_template_exists_helper():
    assert template_exists("members/detail.html")
    assert not template_exists("members/no_such_template.html")


def test_detail_query_count_is_bounded(cast, client_for, member, django_assert_max_num_queries):
    for i in range(5):
        records.commendation_add(
            actor=cast.secretary,
            member=member,
            form=f"Giấy khen {i}",
            decision_number=f"{i}-QĐ",
            decision_date=dt.date(2020, 1, 1),
        )
        member_update(actor=cast.secretary, member=member, data={"workplace": f"Nơi {i}"})
    client = client_for(cast.secretary)
    client.get(f"/members/{member.code}/")
    with django_assert_max_num_queries(30):
        client.get(f"/members/{member.code}/")


# --- Records through the pages --------------------------------------------------------


def test_add_commendation_through_the_page(cast, client_for, member):
    client = client_for(cast.cell_secretary)
    url = f"/members/{member.code}/commendations/new/"
    response = client.post(
        url,
        {
            "form": "Giấy khen",
            "decision_number": "15-QĐ/ĐU",
            "decision_date": "03/02/2024",
            "issuer": "Đảng ủy xã",
        },
    )
    assert response.status_code == 302
    assert response.url.endswith("#commendations")
    assert Commendation.objects.get().decision_date == dt.date(2024, 2, 3)
    future = format_date(today() + dt.timedelta(days=1))
    response = client.post(url, {"form": "X", "decision_number": "1", "decision_date": future})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["decision_date"][0].code == "future"
    assert Commendation.objects.count() == 1


def test_add_discipline_and_relation_through_the_pages(cast, client_for, member):
    client = client_for(cast.party_building)
    response = client.post(
        f"/members/{member.code}/disciplines/new/",
        {"form": "warning", "decision_number": "03-QĐ/UBKT", "decision_date": "04/05/2023"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/members/{member.code}/family/new/",
        {"relation": "spouse", "full_name": "Lê Thị Vợ", "birth_year": "1972"},
    )
    assert response.status_code == 302
    assert Discipline.objects.get().form == Discipline.Form.WARNING
    assert FamilyRelation.objects.get().birth_year == 1972


def test_paper_upload_and_download(cast, client_for, member, own):
    client = client_for(cast.cell_secretary)
    response = client.post(
        f"/members/{member.code}/papers/new/",
        {
            "kind": "certificate",
            "title": "Giấy khen",
            "dated": "01/02/2024",
            "upload": png_upload(),
        },
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    response = client.get(f"/members/papers/{paper.code}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(verb="view", object_id=str(paper.code)).exists()
    # The document file route does not serve member papers.
    assert client.get(f"/documents/files/{paper.file.code}/").status_code in (403, 404)
    assert client_for(cast.cell_deputy).get(f"/members/papers/{paper.code}/").status_code == 200
    assert client_for(cast.clerk).get(f"/members/papers/{paper.code}/").status_code == 403
    assert client_for(cast.member).get(f"/members/papers/{paper.code}/").status_code == 403
    assert client_for(cast.outsider).get(f"/members/papers/{paper.code}/").status_code == 404


def test_member_downloads_papers_of_their_own_file(cast, client_for, own):
    paper = records.paper_attach(
        actor=cast.secretary, member=own, kind="biography", title="Lý lịch", upload=png_upload()
    )
    assert client_for(cast.member).get(f"/members/papers/{paper.code}/").status_code == 200


def test_paper_upload_refuses_a_word_file(cast, client_for, member):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    upload = SimpleUploadedFile("don.docx", buffer.getvalue())
    response = client_for(cast.cell_secretary).post(
        f"/members/{member.code}/papers/new/", {"kind": "other", "title": "Đơn", "upload": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["upload"][0].code == "bad_file"
    assert not Paper.objects.exists()


# --- Correction requests through the pages --------------------------------------------


def test_correction_request_journey(cast, client_for, own):
    client = client_for(cast.member)
    assert client.get(f"/members/{own.code}/").context["can_request_correction"] is True
    response = client.post(
        f"/members/{own.code}/corrections/new/",
        {"field_name": "occupation", "proposed_value": "Kỹ sư", "message": "Theo bằng đại học"},
    )
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()

    secretary = client_for(cast.cell_secretary)
    detail = secretary.get(f"/members/{own.code}/")
    assert [c.pk for c in detail.context["open_corrections"]] == [correction.pk]
    edit = secretary.get(f"/members/{own.code}/edit/", {"correction": str(correction.code)})
    assert edit.context["correction"] == correction
    assert edit.context["form"].initial["occupation"] == "Kỹ sư"
    data = _edit_data(own, occupation="Kỹ sư", correction=str(correction.code))
    response = secretary.post(f"/members/{own.code}/edit/", data)
    assert response.status_code == 302
    own.refresh_from_db()
    correction.refresh_from_db()
    assert own.occupation == "Kỹ sư"
    assert correction.status == CorrectionRequest.Status.ACCEPTED
    assert own.revisions.latest("pk").kind == MemberRevision.Kind.CORRECTED

    mine = client_for(cast.member).get(f"/members/{own.code}/")
    assert [c.status for c in mine.context["corrections"]] == ["accepted"]


def test_correction_refused_with_a_reply(cast, client_for, own):
    correction = records.correction_request_create(
        actor=cast.member, member=own, field_name="date_of_birth", proposed_value="02/03/1971"
    )
    url = f"/members/corrections/{correction.code}/refuse/"
    assert client_for(cast.cell_secretary).get(url).status_code == 405
    assert client_for(cast.cell_deputy).post(url, {"reply": "Không"}).status_code == 403
    assert client_for(cast.outsider).post(url, {"reply": "Không"}).status_code == 404
    response = client_for(cast.cell_secretary).post(url, {"reply": ""})
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.OPEN
    client_for(cast.cell_secretary).post(url, {"reply": "Giấy khai sinh ghi 1970"})
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.REJECTED
    content = client_for(cast.member).get(f"/members/{own.code}/").content.decode()
    assert "Giấy khai sinh ghi 1970" in content


def test_only_the_member_asks_for_a_correction_of_their_file(cast, client_for, own, member):
    assert client_for(cast.member).get(f"/members/{member.code}/corrections/new/").status_code in (
        403,
    )
    url = f"/members/{own.code}/corrections/new/"
    assert client_for(cast.cell_secretary).get(url).status_code == 403
    assert client_for(cast.member).get(url).status_code == 200


def test_correction_of_another_file_cannot_be_applied_here(cast, client_for, own, member):
    correction = records.correction_request_create(
        actor=cast.member, member=own, field_name="occupation", proposed_value="Kỹ sư"
    )
    response = client_for(cast.cell_secretary).get(
        f"/members/{member.code}/edit/", {"correction": str(correction.code)}
    )
    assert response.status_code == 404


def test_stale_correction_keeps_the_request_open_and_in_view(cast, client_for, own):
    correction = records.correction_request_create(
        actor=cast.member, member=own, field_name="occupation", proposed_value="Kỹ sư"
    )
    data = _edit_data(own, occupation="Kỹ sư", correction=str(correction.code))
    member_update(actor=cast.secretary, member=own, data={"workplace": "UBND xã"})
    response = client_for(cast.cell_secretary).post(f"/members/{own.code}/edit/", data)
    assert response.status_code == 302
    assert response.url == f"/members/{own.code}/edit/?correction={correction.code}"
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.OPEN

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member


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


def test_plain_member_sees_only_own_file(cast, client_for):
    own = make_member(cast.committee, cast.cell, "Ngô Văn Phúc")
    cast.member.member = own
    cast.member.save()
    other = make_member(cast.committee, cast.cell, "Trần Văn An")
    client = client_for(cast.member)
    assert client.get("/members/").status_code == 403
    assert client.get(f"/members/{own.code}/").status_code == 200
    assert client.get(f"/members/{other.code}/").status_code == 403


def test_member_search_folds_accents(cast, client_for):
    make_member(cast.committee, cast.cell, "Đặng Thị Hương")
    make_member(cast.committee, cast.cell, "Trần Văn An")
    response = client_for(cast.secretary).get("/members/", {"q": "dang thi huong"})
    assert [m.full_name for m in response.context["page"]] == ["Đặng Thị Hương"]

from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.jobs.models import Job


def test_secretary_home_shows_real_committee_figures(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(
        cast.committee,
        cast.other_cell,
        "Lê Thị Bích",
        status="probationary",
        full_membership_date=None,
    )
    make_member(cast.other, cast.foreign_cell, "Người Xã Khác")
    response = client_for(cast.secretary).get("/")
    assert response.status_code == 200
    panel = next(p for p in response.context["panels"] if p["template"].endswith("committee.html"))
    assert panel["members"] == {"total": 2, "probationary": 1}
    assert panel["units"]["cells"] == 2


def test_cell_secretary_home_shows_their_cell(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    response = client_for(cast.cell_secretary).get("/")
    body = response.content.decode()
    assert "Chi bộ thôn Đồng Cát" in body
    templates = [p["template"] for p in response.context["panels"]]
    assert "core/panels/my_cells.html" in templates
    assert "core/panels/committee.html" not in templates


def test_city_viewer_sees_aggregates_only(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(cast.other, cast.foreign_cell, "Người Xã Khác")
    response = client_for(cast.city_viewer).get("/")
    panel = next(p for p in response.context["panels"] if p["template"].endswith("city.html"))
    assert {r.slug: r.member_count for r in panel["rows"]} == {"phu-cat": 1, "dong-xuan": 1}
    body = response.content.decode()
    assert "Trần Văn An" not in body


def test_todo_panel_lists_unfinished_jobs_and_the_guide(cast, client_for):
    Job.objects.create(
        committee=cast.committee,
        owner=cast.clerk,
        kind="x",
        title="Xuất danh sách",
        status="failed",
    )
    response = client_for(cast.clerk).get("/")
    panel = response.context["panels"][0]
    labels = [label for label, _url in panel["items"]]
    assert any("Xuất danh sách" in label for label in labels)
    assert any(url == "/guide/" for _label, url in panel["items"])


def test_guide_completion_is_remembered(cast, client_for):
    client = client_for(cast.member)
    assert client.get("/guide/").status_code == 200
    assert client.post("/guide/").status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.guide_completed_at <= timezone.now()
    urls = [url for _label, url in client.get("/").context["panels"][0]["items"]]
    assert "/guide/" not in urls


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_error_pages_are_vietnamese(cast, client_for):
    response = client_for(cast.member).get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
    response = client_for(cast.member).get("/accounts/users/")
    assert response.status_code == 403
    assert "không có quyền" in response.content.decode()


def test_vnd_and_dates_format(cast):
    from django.template import Context, Template

    out = Template("{{ n|vnd }} {{ d|date:'SHORT_DATE_FORMAT' }}").render(
        Context({"n": 1250000, "d": timezone.datetime(2026, 1, 5).date()})
    )
    assert out == "1.250.000 đ 05/01/2026"


def test_a_stale_form_token_gets_a_vietnamese_page(cast):
    from django.test import Client

    from capuyso.core.testing import login

    client = Client(enforce_csrf_checks=True)
    login(client, cast.member)
    response = client.post("/guide/")
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()


def test_django_blank_choice_label_is_translated(db):
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("vi"):
        assert str(BLANK_CHOICE_LABEL) != "- Select an option -"

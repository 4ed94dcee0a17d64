import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.documents.models import IncomingDocument, OutgoingDocument
from capuyso.documents.selectors import figure_units_for_user, unit_figures_for_user
from capuyso.documents.services import incoming as svc
from capuyso.documents.services import outgoing as outgoing_svc
from capuyso.documents.services.config import office_of
from capuyso.documents.tests.factories import doc_type, pdf_upload, register

pytestmark = pytest.mark.django_db


def handled(cast, document, *, hours: float, late: bool = False, on_paper: bool = False):
    """Submit, direct to the cell as lead, close by the cell; then move the timestamps so
    that handling took `hours` (and ended after the deadline when `late`)."""
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Chi bộ thôn Đồng Cát chủ trì.",
        assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell)],
    )
    document.refresh_from_db()
    svc.incoming_complete(actor=cast.cell_secretary, document=document, result="Đã thực hiện")
    completed_at = timezone.now() - dt.timedelta(hours=1)
    changes = {
        "received_at": completed_at - dt.timedelta(hours=hours),
        "completed_at": completed_at,
    }
    if late:
        changes["due_date"] = timezone.localtime(completed_at).date() - dt.timedelta(days=1)
    if on_paper:
        changes["handled_on_platform"] = False
    IncomingDocument.objects.filter(pk=document.pk).update(**changes)


def issued(cast, summary: str, *, signed: bool) -> OutgoingDocument:
    document = outgoing_svc.outgoing_create(
        actor=cast.clerk,
        doc_type=doc_type(cast.committee, "KH"),
        summary=summary,
        signer=cast.secretary,
    )
    outgoing_svc.outgoing_approve(actor=cast.secretary, document=document)
    document = outgoing_svc.outgoing_issue(actor=cast.clerk, document=document)
    if signed:
        OutgoingDocument.objects.filter(pk=document.pk).update(
            digitally_signed_at=timezone.now(), signature_level="B-LT"
        )
    return document


@pytest.fixture
def period(cast):
    """Four incoming (two with an electronic copy), three of them handled by the cell in
    10, 20 and 60 hours (one on paper, one late), one open past its deadline; two issued
    outgoing, one digitally signed."""
    electronic = [
        register(cast, reference=f"0{n}-KH/TU", uploads=[pdf_upload(text=f"Văn bản {n}")])
        for n in (1, 2)
    ]
    paper = [register(cast, reference=f"0{n}-KH/TU") for n in (3, 4)]
    handled(cast, electronic[0], hours=10)
    handled(cast, electronic[1], hours=20, on_paper=True)
    handled(cast, paper[0], hours=60, late=True)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    IncomingDocument.objects.filter(pk=paper[1].pk).update(due_date=yesterday)
    issued(cast, "Kế hoạch A", signed=True)
    issued(cast, "Kế hoạch B", signed=False)
    today = timezone.localdate()
    return {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()}


def test_figures_show_exact_shares_median_and_p90(cast, client_for, period):
    response = client_for(cast.clerk).get(reverse("documents:figures"), period)

    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.incoming_electronic, figures.incoming_total) == (2, 4)
    assert figures.electronic_share == 50.0
    assert (figures.incoming_handled_on_platform, figures.incoming_completed) == (2, 3)
    assert figures.handled_share == 66.7
    assert (figures.outgoing_signed, figures.outgoing_issued) == (1, 2)
    assert figures.signed_share == 50.0
    assert figures.handling_hours_median == 20.0
    assert figures.handling_hours_p90 == 52.0  # 20 + 0.8 × (60 − 20)
    assert (figures.overdue_open, figures.completed_late) == (1, 1)
    assert response.context["p90"] == {"hours": 52.0, "days": 2.2}
    assert response.context["median"] == {"hours": 20.0, "days": None}
    content = response.content.decode()
    for counts in ("2/4", "2/3", "1/2", "1/3"):
        assert counts in content


def test_per_unit_table_counts_own_books_and_led_documents(cast, client_for, period):
    response = client_for(cast.clerk).get(reverse("documents:figures"), period)
    rows = {row.unit.name: row for row in response.context["rows"]}
    office = rows[office_of(cast.committee).name]
    cell = rows[cast.cell.name]

    assert (office.received, office.completed, office.overdue) == (4, 3, 1)
    assert office.median_hours == 20.0
    assert (cell.received, cell.completed, cell.overdue) == (3, 3, 0)
    assert cell.median_hours == 20.0
    other = rows[cast.other_cell.name]
    assert (other.received, other.completed, other.median_hours) == (0, 0, None)


def test_per_unit_figures_take_a_few_queries_whatever_the_number_of_units(
    cast, period, django_assert_max_num_queries
):
    units = list(figure_units_for_user(cast.clerk))
    assert len(units) >= 6
    today = timezone.localdate()
    with django_assert_max_num_queries(4):
        unit_figures_for_user(
            cast.clerk, start=today - dt.timedelta(days=30), end=today, units=units
        )


def test_a_unit_filter_narrows_the_figures(cast, client_for, period):
    response = client_for(cast.clerk).get(
        reverse("documents:figures"), {**period, "unit": cast.cell.code}
    )
    figures = response.context["figures"]
    assert (figures.incoming_total, figures.incoming_completed) == (3, 3)
    assert [row.unit for row in response.context["rows"]] == [cast.cell]


def test_a_cell_secretary_sees_only_the_cells_scope(cast, client_for, period):
    response = client_for(cast.cell_secretary).get(reverse("documents:figures"), period)

    assert response.status_code == 200
    assert response.context["figures"].incoming_total == 3  # the documents the cell led
    assert [row.unit for row in response.context["rows"]] == [cast.cell]
    office = office_of(cast.committee)
    narrowed = client_for(cast.cell_secretary).get(
        reverse("documents:figures"), {**period, "unit": office.code}
    )
    assert "unit" in narrowed.context["form"].errors


def test_figures_default_to_this_year_and_offer_quick_periods(cast, client_for):
    response = client_for(cast.clerk).get(reverse("documents:figures"))
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (
        dt.date(today.year, 1, 1),
        today,
    )
    links = response.context["quick"]
    assert len(links) == 3 and links[2]["active"]
    assert f"start={today.replace(day=1).isoformat()}" in links[0]["url"]


def test_figures_need_the_right_to_see_documents_or_figures(cast, client_for):
    assert client_for(cast.member).get(reverse("documents:figures")).status_code == 403

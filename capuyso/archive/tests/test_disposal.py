"""Disposal review: the list of dossiers whose retention ran out, the leaders' decisions,
and what a disposal destroys (the stored files) and keeps (the rows, as the record)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from capuyso.archive import services, services_retention
from capuyso.archive.models import ArchiveItem, ArchivePage, DisposalDecision, Dossier
from capuyso.archive.selectors_retention import disposal_due
from capuyso.archive.tests.test_dossiers import codes, default_period, make_dossier
from capuyso.audit.models import AuditEvent
from capuyso.search import registry
from capuyso.search.index import index_object
from capuyso.search.models import SearchEntry

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
KEEP = DisposalDecision.Outcome.KEEP
PERMANENT = DisposalDecision.Outcome.PERMANENT
DISPOSE = DisposalDecision.Outcome.DISPOSE


def closed(committee, number="01", year=2015, years=10, clerk=None):
    dossier = make_dossier(committee, number, year=year, retention=default_period(years))
    Dossier.objects.filter(pk=dossier.pk).update(
        closed_at=dt.datetime(year + 1, 1, 2, tzinfo=dt.UTC),
        review_year=None if years is None else year + years,
    )
    dossier.refresh_from_db()
    return dossier


def item(committee, dossier, name="scan.pdf", *, text="Biên bản họp chi bộ", ocr=True):
    new = ArchiveItem.objects.create(
        committee=committee,
        dossier=dossier,
        source_name=name,
        file=ContentFile(b"%PDF-1.4 original " + name.encode(), name=name),
        ocr_file=ContentFile(b"%PDF-1.4 ocr " + name.encode(), name=f"ocr-{name}") if ocr else "",
        content_type="application/pdf",
        size=30,
        sha256=name.encode().hex().ljust(64, "0")[:64],
        text=text,
        title=f"Biên bản {name}",
        reference="12-BB/CB",
        pages=1,
    )
    ArchivePage.objects.create(
        item=new, number=1, text=text, pdf=ContentFile(b"%PDF page", name=f"p1-{name}")
    )
    return new


def decide(actor, dossier, outcome, **values):
    values.setdefault("reason", "Hết giá trị")
    return services_retention.disposal_decide(
        actor=actor, dossier=dossier, outcome=outcome, today=TODAY, **values
    )


# --- the review list ---------------------------------------------------------------------


def test_review_list_holds_the_closed_dossiers_whose_retention_ran_out(cast):
    overdue = closed(cast.committee, "01", year=2014, years=10)  # review 2024: 1 year over
    due = closed(cast.committee, "02", year=2015, years=10)  # review 2025: due this year
    closed(cast.committee, "03", year=2016, years=10)  # review 2026: not yet
    closed(cast.committee, "04", year=2000, years=None)  # permanent
    make_dossier(cast.committee, "05", year=2001, retention=default_period(5))  # open
    gone = closed(cast.committee, "06", year=2001, years=5)
    Dossier.objects.filter(pk=gone.pk).update(disposed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    closed(cast.other, "01", year=2001, years=5)
    item(cast.committee, due, "a.pdf")
    item(cast.committee, due, "b.pdf")
    rows = list(disposal_due(cast.committee.pk, today=TODAY))
    assert rows == [overdue, due]
    assert [(r.overdue_years, r.item_count, r.document_count) for r in rows] == [
        (1, 0, 0),
        (0, 2, 0),
    ]
    # in 2027 the 2026 one is due too
    assert len(disposal_due(cast.committee.pk, today=dt.date(2027, 1, 1))) == 3


def test_review_list_counts_filed_incoming_documents(cast):
    from capuyso.documents.models import IncomingDocument
    from capuyso.documents.tests.factories import register

    dossier = closed(cast.committee, year=2010, years=5)
    document = register(cast)
    IncomingDocument.objects.filter(pk=document.pk).update(dossier=dossier)
    [row] = disposal_due(cast.committee.pk, today=TODAY)
    assert row.document_count == 1


def test_review_page_and_print_list(cast, client_for, django_assert_max_num_queries):
    for n in range(1, 25):
        dossier = closed(cast.committee, f"{n:02}", year=2000, years=5)
        item(cast.committee, dossier, f"{n}.pdf", ocr=False)
    closed(cast.committee, "99", year=2990, years=5)  # not due in any year of this test
    closed(cast.other, "01", year=2000, years=5)
    client = client_for(cast.secretary)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("archive:disposal"))
    assert response.status_code == 200 and response.context["can_decide"]
    page = response.content.decode()
    assert len(response.context["page"].object_list) == 24
    assert all(d.committee_id == cast.committee.pk for d in response.context["page"])
    assert reverse("archive:disposal_decide", args=[dossier.code]) in page
    with django_assert_max_num_queries(12):
        response = client.get(reverse("archive:disposal_print"))
    assert len(response.context["dossiers"]) == 24
    assert "Bảo quản vĩnh viễn" in response.content.decode()


def test_the_office_sees_the_list_but_does_not_decide(cast, client_for):
    dossier = closed(cast.committee, year=2000, years=5)
    client = client_for(cast.clerk)
    response = client.get(reverse("archive:disposal"))
    assert response.status_code == 200 and not response.context["can_decide"]
    assert reverse("archive:disposal_decide", args=[dossier.code]) not in response.content.decode()
    assert client.get(reverse("archive:disposal_decide", args=[dossier.code])).status_code == 403


@pytest.mark.parametrize("who", ["cell_secretary", "member", "admin"])
def test_review_pages_refuse_others(cast, client_for, who):
    dossier = closed(cast.committee, year=2000, years=5)
    client = client_for(getattr(cast, who))
    assert client.get(reverse("archive:disposal")).status_code == 403
    assert client.get(reverse("archive:disposal_print")).status_code == 403
    url = reverse("archive:disposal_decide", args=[dossier.code])
    assert client.get(url).status_code == 403
    response = client.post(url, {"outcome": "permanent", "reason": "x"})
    assert response.status_code == 403
    assert not DisposalDecision.objects.exists()


def test_another_committee_sees_nothing_and_gets_404(cast, client_for):
    dossier = closed(cast.committee, year=2000, years=5)
    client = client_for(cast.outsider_clerk)
    assert list(client.get(reverse("archive:disposal")).context["page"]) == []
    assert client.get(reverse("archive:disposal_print")).context["dossiers"] == []
    url = reverse("archive:disposal_decide", args=[dossier.code])
    assert client.get(url).status_code == 404
    response = client.post(url, {"outcome": "dispose", "reason": "x", "confirm": "yes"})
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.disposed_at is None and not DisposalDecision.objects.exists()


# --- decisions ---------------------------------------------------------------------------


def test_keep_longer_moves_the_review_year_once(cast):
    dossier = closed(cast.committee, year=2010, years=10)
    for year, code in ((None, "keep_year_invalid"), (2026, "keep_year_invalid")):
        with pytest.raises(ValidationError) as exc:
            decide(cast.secretary, dossier, KEEP, keep_until_year=year)
        assert codes(exc) == {code}
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, dossier, KEEP, keep_until_year=2030, reason="  ")
    assert codes(exc) == {"reason_required"}
    assert not DisposalDecision.objects.exists()
    decision = decide(cast.secretary, dossier, KEEP, keep_until_year=2030)
    dossier.refresh_from_db()
    assert dossier.review_year == 2030 and decision.decided_by == cast.secretary
    assert decision.keep_until_year == 2030
    changes = AuditEvent.objects.filter(object_id=str(dossier.code)).latest("seq").changes
    assert changes["review_year"] == [2020, 2030]
    assert AuditEvent.objects.filter(object_id=str(decision.code), verb="create").exists()
    # the same form submitted again finds the dossier no longer due
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, dossier, KEEP, keep_until_year=2030)
    assert codes(exc) == {"not_due"}
    assert DisposalDecision.objects.count() == 1
    assert list(disposal_due(cast.committee.pk, today=TODAY)) == []
    assert list(disposal_due(cast.committee.pk, today=dt.date(2031, 1, 1))) == [dossier]


def test_keep_permanently_takes_it_off_the_list_for_good(cast):
    dossier = closed(cast.committee, year=2010, years=10)
    decide(cast.deputy, dossier, PERMANENT, keep_until_year=2040)
    dossier.refresh_from_db()
    assert dossier.review_year is None
    assert DisposalDecision.objects.get().keep_until_year is None
    with pytest.raises(ValidationError) as exc:
        decide(cast.deputy, dossier, PERMANENT)
    assert codes(exc) == {"not_due"}
    # closing it again after a reopen keeps the decision
    dossier = services.dossier_reopen(actor=cast.clerk, dossier=dossier, reason="Bổ sung")
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    assert dossier.review_year is None


def test_dispose_needs_reason_and_reference_and_refuses_open_or_permanent(cast):
    dossier = closed(cast.committee, year=2010, years=5)
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, dossier, DISPOSE, decision_reference="")
    assert codes(exc) == {"reference_required"}
    opened = make_dossier(cast.committee, "02", year=2000, retention=default_period(5))
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, opened, DISPOSE, decision_reference="05-QĐ/ĐU")
    assert codes(exc) == {"not_closed"}
    permanent = closed(cast.committee, "03", year=2000, years=None)
    Dossier.objects.filter(pk=permanent.pk).update(review_year=2005)  # inconsistent on purpose
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, permanent, DISPOSE, decision_reference="05-QĐ/ĐU")
    assert codes(exc) == {"permanent_retention"}
    not_due = closed(cast.committee, "04", year=2020, years=10)
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, not_due, DISPOSE, decision_reference="05-QĐ/ĐU")
    assert codes(exc) == {"not_due"}
    assert not DisposalDecision.objects.exists()
    assert not Dossier.objects.filter(disposed_at__isnull=False).exists()


def test_only_committee_leaders_decide(cast):
    dossier = closed(cast.committee, year=2010, years=5)
    for user in (cast.clerk, cast.cell_secretary, cast.admin, cast.outsider_clerk):
        with pytest.raises(PermissionDenied):
            decide(user, dossier, PERMANENT)
    assert not DisposalDecision.objects.exists()


def test_dispose_destroys_the_files_and_keeps_the_rows(cast, django_capture_on_commit_callbacks):
    dossier = closed(cast.committee, year=2010, years=5)
    first = item(cast.committee, dossier, "a.pdf")
    second = item(cast.committee, dossier, "b.pdf", ocr=False)
    elsewhere = item(cast.committee, None, "c.pdf")
    assert registry.source("archive_item") is not None
    for row in (first, second, elsewhere):
        index_object(row)
    assert SearchEntry.objects.filter(kind="archive_item", object_id=first.pk).exists()
    names = [first.file.name, first.ocr_file.name, second.file.name]
    names += list(ArchivePage.objects.filter(item__dossier=dossier).values_list("pdf", flat=True))
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(
            cast.secretary,
            dossier,
            DISPOSE,
            reason="Hết thời hạn bảo quản, không còn giá trị",
            decision_reference="15-QĐ/ĐU",
        )
    assert decision.outcome == DISPOSE and decision.decision_reference == "15-QĐ/ĐU"
    assert not any(default_storage.exists(name) for name in names)
    assert default_storage.exists(elsewhere.file.name)
    dossier.refresh_from_db()
    assert dossier.disposed_at is not None
    for row in (first, second):
        sha256 = row.sha256
        row.refresh_from_db()
        assert row.disposed_at == dossier.disposed_at
        assert (row.file.name, row.ocr_file.name, row.text) == ("", "", "")
        assert row.sha256 == sha256 and row.source_name and row.title and row.size == 30
        assert row.reference == "12-BB/CB"
        event = AuditEvent.objects.filter(object_id=str(row.code)).latest("seq")
        assert event.changes["sha256"] == sha256 and event.changes["files_destroyed"]
    assert not ArchivePage.objects.filter(item__dossier=dossier).exclude(pdf="").exists()
    assert not ArchivePage.objects.filter(item__dossier=dossier).exclude(text="").exists()
    elsewhere.refresh_from_db()
    assert elsewhere.disposed_at is None and elsewhere.text
    assert SearchEntry.objects.filter(kind="archive_item", object_id=first.pk).count() == 0
    assert not SearchEntry.objects.filter(kind="archive_item", object_id=second.pk).exists()
    assert SearchEntry.objects.filter(kind="archive_item", object_id=elsewhere.pk).exists()
    # a second submit changes nothing
    with pytest.raises(ValidationError) as exc:
        decide(cast.secretary, dossier, DISPOSE, decision_reference="15-QĐ/ĐU")
    assert codes(exc) == {"dossier_disposed"}
    assert DisposalDecision.objects.count() == 1
    # and the dossier takes nothing more
    with pytest.raises(ValidationError):
        services.check_dossier_open(dossier)


def test_dispose_stops_the_ocr_of_its_items(cast):
    dossier = closed(cast.committee, year=2010, years=5)
    waiting = item(cast.committee, dossier, "a.pdf", ocr=False)
    ArchiveItem.objects.filter(pk=waiting.pk).update(ocr_status=ArchiveItem.OcrStatus.RUNNING)
    decide(cast.secretary, dossier, DISPOSE, decision_reference="15-QĐ/ĐU")
    waiting.refresh_from_db()
    assert waiting.ocr_status == ArchiveItem.OcrStatus.NOT_NEEDED


def test_a_failed_disposal_leaves_every_file(cast, monkeypatch):
    dossier = closed(cast.committee, year=2010, years=5)
    kept = item(cast.committee, dossier, "a.pdf")

    original = services_retention.audit_record

    def failing_on_items(**kwargs):
        if isinstance(kwargs.get("obj"), ArchiveItem):
            raise RuntimeError("audit down")
        return original(**kwargs)

    monkeypatch.setattr(services_retention, "audit_record", failing_on_items)
    with pytest.raises(RuntimeError):
        decide(cast.secretary, dossier, DISPOSE, decision_reference="15-QĐ/ĐU")
    kept.refresh_from_db()
    dossier.refresh_from_db()
    assert dossier.disposed_at is None and kept.disposed_at is None
    assert default_storage.exists(kept.file.name)
    assert not DisposalDecision.objects.exists()


# --- the decision pages ------------------------------------------------------------------


def test_dispose_goes_through_a_confirmation_page(
    cast, client_for, django_capture_on_commit_callbacks
):
    dossier = closed(cast.committee, year=2000, years=5)
    kept = item(cast.committee, dossier, "a.pdf")
    client = client_for(cast.secretary)
    url = reverse("archive:disposal_decide", args=[dossier.code])
    assert client.get(url).status_code == 200
    data = {"outcome": "dispose", "reason": "Hết giá trị", "decision_reference": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "decision_reference" in response.context["form"].errors
    data["decision_reference"] = "15-QĐ/ĐU"
    response = client.post(url, data)
    assert response.templates[0].name == "archive/retention/disposal_confirm.html"
    assert response.context["item_count"] == 1 and "a.pdf" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.disposed_at is None and default_storage.exists(kept.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "confirm": "yes"})
    assert response["Location"] == reverse("archive:disposal")
    dossier.refresh_from_db()
    assert dossier.disposed_at is not None
    assert not default_storage.exists(kept.file.name)
    # the confirmation posted twice records one decision
    response = client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert DisposalDecision.objects.count() == 1


def test_keep_through_the_page(cast, client_for):
    dossier = closed(cast.committee, year=2000, years=5)
    client = client_for(cast.standing)
    url = reverse("archive:disposal_decide", args=[dossier.code])
    response = client.post(url, {"outcome": "keep", "reason": "Còn tra cứu", "keep_until_year": ""})
    assert "keep_until_year" in response.context["form"].errors
    until = timezone.localdate().year + 5
    response = client.post(
        url, {"outcome": "keep", "reason": "Còn tra cứu", "keep_until_year": str(until)}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.review_year == until
    # no longer due: the decision page sends back to the dossier
    response = client.get(url)
    assert response["Location"] == reverse("archive:dossier", args=[dossier.code])

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from capuyso.archive import services
from capuyso.archive.models import ArchiveItem, DisposalDecision, Dossier, RetentionPeriod
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def default_period(years):
    return RetentionPeriod.objects.get(committee=None, years=years)


def make_dossier(committee, number="01", year=2020, retention=None, **extra):
    return Dossier.objects.create(
        committee=committee,
        file_number=number,
        title=extra.pop("title", "Hồ sơ"),
        title_folded="ho so",
        year=year,
        retention=retention,
        **extra,
    )


def codes(exc_info) -> set[str]:
    error = exc_info.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# --- create -----------------------------------------------------------------------------


def test_clerk_creates_a_dossier_and_numbers_are_unique_per_year(cast, client_for):
    client = client_for(cast.clerk)
    ten = default_period(10)
    data = {"file_number": "05", "title": "Chuyển đổi số", "year": 2026, "retention": ten.code}
    response = client.post(reverse("archive:dossier_new"), data)
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("archive:dossier", args=[dossier.code])
    assert dossier.retention == ten
    response = client.post(reverse("archive:dossier_new"), data)
    assert response.status_code == 200 and "file_number" in response.context["form"].errors
    client.post(reverse("archive:dossier_new"), {**data, "year": 2025})
    assert Dossier.objects.count() == 2


def test_create_needs_a_retention_period_of_the_committee_list(cast, client_for):
    client = client_for(cast.clerk)
    data = {"file_number": "05", "title": "Chuyển đổi số", "year": 2026}
    response = client.post(reverse("archive:dossier_new"), data)
    assert "retention" in response.context["form"].errors
    foreign = RetentionPeriod.objects.create(committee=cast.other, name="15 năm", years=15)
    retired = RetentionPeriod.objects.create(
        committee=cast.committee, name="12 năm", years=12, active=False
    )
    for period in (foreign, retired):
        response = client.post(reverse("archive:dossier_new"), {**data, "retention": period.code})
        assert "retention" in response.context["form"].errors
    assert not Dossier.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.dossier_create(
            actor=cast.clerk, file_number="1", title="X", year=2026, retention=foreign
        )
    assert codes(exc) == {"retention_invalid"}


def test_the_form_offers_the_defaults_and_the_committee_own_periods(cast, client_for):
    own = RetentionPeriod.objects.create(committee=cast.committee, name="15 năm", years=15)
    RetentionPeriod.objects.create(committee=cast.other, name="25 năm", years=25)
    form = client_for(cast.clerk).get(reverse("archive:dossier_new")).context["form"]
    offered = set(form.fields["retention"].queryset)
    assert own in offered and default_period(10) in offered
    assert {p.committee_id for p in offered} == {None, cast.committee.pk}


def test_create_returns_to_the_document_being_closed(cast, client_for):
    ten = default_period(10).code
    url = reverse("archive:dossier_new") + "?next=/documents/incoming/abc/"
    response = client_for(cast.clerk).post(
        url, {"file_number": "01", "title": "Văn bản cấp trên", "year": 2026, "retention": ten}
    )
    assert response["Location"] == "/documents/incoming/abc/"
    response = client_for(cast.clerk).post(
        reverse("archive:dossier_new") + "?next=https://evil.example/",
        {"file_number": "02", "title": "Khác", "year": 2026, "retention": ten},
    )
    assert response["Location"].startswith("/archive/dossiers/")


@pytest.mark.parametrize("who", ["member", "cell_secretary", "admin"])
def test_only_committee_readers_list_and_only_registrars_create(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(reverse("archive:dossiers")).status_code == 403
    assert client.get(reverse("archive:dossier_new")).status_code == 403


def test_secretary_reads_but_does_not_create(cast, client_for):
    client = client_for(cast.secretary)
    assert client.get(reverse("archive:dossiers")).status_code == 200
    assert client.get(reverse("archive:dossier_new")).status_code == 403


def test_other_committee_gets_404(cast, client_for):
    dossier = make_dossier(cast.committee, year=2026)
    response = client_for(cast.outsider_clerk).get(reverse("archive:dossier", args=[dossier.code]))
    assert response.status_code == 404
    listing = client_for(cast.outsider_clerk).get(reverse("archive:dossiers"))
    assert list(listing.context["page"]) == []


def test_list_filters_by_state_in_few_queries(cast, client_for, django_assert_max_num_queries):
    ten = default_period(10)
    make_dossier(cast.committee, "01", retention=ten)
    closed = make_dossier(cast.committee, "02", retention=ten)
    services.dossier_close(actor=cast.clerk, dossier=closed)
    for n in range(3, 30):
        make_dossier(cast.committee, f"{n:02}", retention=ten)
    client = client_for(cast.clerk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("archive:dossiers"))
    assert response.status_code == 200
    response = client.get(reverse("archive:dossiers"), {"state": "closed"})
    assert [d.file_number for d in response.context["page"]] == ["02"]
    response = client.get(reverse("archive:dossiers"), {"state": "open"})
    assert "02" not in [d.file_number for d in response.context["page"]]


# --- edit -------------------------------------------------------------------------------


def test_clerk_edits_an_open_dossier_and_it_is_audited(cast, client_for):
    dossier = make_dossier(cast.committee, retention=default_period(10))
    client = client_for(cast.clerk)
    url = reverse("archive:dossier_edit", args=[dossier.code])
    form = client.get(url).context["form"]
    assert "reason" not in form.fields
    version = form.initial["version"]
    response = client.post(
        url,
        {
            "title": "Hồ sơ đổi tên",
            "unit": cast.cell.code,
            "retention": default_period(20).code,
            "version": version,
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.title, dossier.unit) == ("Hồ sơ đổi tên", cast.cell)
    assert dossier.retention.years == 20
    assert dossier.title_folded == "ho so doi ten"
    event = AuditEvent.objects.filter(object_id=str(dossier.code)).latest("seq")
    assert event.changes["title"] == ["Hồ sơ", "Hồ sơ đổi tên"]
    # the same form again is stale
    response = client.post(
        url, {"title": "Lần hai", "retention": default_period(20).code, "version": version}
    )
    assert response.status_code == 200 and "stale" in str(
        [e.code for e in response.context["form"].non_field_errors().as_data()]
    )
    dossier.refresh_from_db()
    assert dossier.title == "Hồ sơ đổi tên"


def test_a_unit_change_moves_the_dossier_items_in_search(cast):
    from capuyso.search.index import index_object
    from capuyso.search.models import SearchEntry

    dossier = make_dossier(cast.committee, retention=default_period(10))
    filed = _item(cast.committee, dossier)
    index_object(filed)
    ten = dossier.retention
    services.dossier_update(
        actor=cast.clerk, dossier=dossier, title="Hồ sơ", unit=cast.cell, retention=ten
    )
    entry = SearchEntry.objects.get(kind="archive_item", object_id=filed.pk)
    assert entry.unit_id == cast.cell.pk
    assert SearchEntry.objects.get(kind="dossier", object_id=dossier.pk).unit_id == cast.cell.pk


def test_a_closed_dossier_changes_only_its_retention_with_a_reason(cast):
    dossier = make_dossier(cast.committee, year=2015, retention=default_period(10))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    assert dossier.review_year == 2025
    with pytest.raises(ValidationError) as exc:
        services.dossier_update(
            actor=cast.clerk, dossier=dossier, title="Khác", retention=default_period(10)
        )
    assert codes(exc) == {"dossier_closed"}
    with pytest.raises(ValidationError) as exc:
        services.dossier_update(
            actor=cast.clerk, dossier=dossier, title="Hồ sơ", retention=default_period(20)
        )
    assert codes(exc) == {"reason_required"}
    dossier.refresh_from_db()
    assert dossier.retention.years == 10 and dossier.review_year == 2025
    services.dossier_update(
        actor=cast.clerk,
        dossier=dossier,
        title="Hồ sơ",
        retention=default_period(20),
        reason="Hồ sơ có giá trị lâu dài",
    )
    dossier.refresh_from_db()
    assert dossier.review_year == 2035
    event = AuditEvent.objects.filter(object_id=str(dossier.code)).latest("seq")
    assert event.changes["review_year"] == [2025, 2035]
    assert event.changes["reason"] == "Hồ sơ có giá trị lâu dài"
    services.dossier_update(
        actor=cast.clerk,
        dossier=dossier,
        title="Hồ sơ",
        retention=default_period(None),
        reason="Giữ vĩnh viễn",
    )
    dossier.refresh_from_db()
    assert dossier.review_year is None


def test_closed_dossier_edit_page_asks_a_reason(cast, client_for):
    dossier = make_dossier(cast.committee, year=2015, retention=default_period(10))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    client = client_for(cast.clerk)
    url = reverse("archive:dossier_edit", args=[dossier.code])
    form = client.get(url).context["form"]
    assert "reason" in form.fields and form.fields["title"].disabled
    response = client.post(url, {"title": "Bị bỏ qua", "retention": default_period(5).code})
    assert "reason" in response.context["form"].errors
    response = client.post(
        url, {"title": "Bị bỏ qua", "retention": default_period(5).code, "reason": "Sai loại"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.title, dossier.review_year) == ("Hồ sơ", 2020)


def test_closed_dossier_review_year_follows_a_reviewer_keep_decision(cast):
    dossier = make_dossier(cast.committee, year=2010, retention=default_period(5))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    DisposalDecision.objects.create(
        committee=cast.committee,
        dossier=dossier,
        outcome=DisposalDecision.Outcome.KEEP,
        keep_until_year=2040,
        reason="Còn giá trị",
    )
    services.dossier_update(
        actor=cast.clerk,
        dossier=dossier,
        title="Hồ sơ",
        retention=default_period(10),
        reason="Đổi thời hạn",
    )
    dossier.refresh_from_db()
    assert dossier.review_year == 2040


# --- close and reopen -------------------------------------------------------------------


def test_manual_close_sets_the_review_year_and_refuses_filing(cast, client_for):
    dossier = make_dossier(cast.committee, year=2026, retention=default_period(10))
    services.check_dossier_open(dossier)
    client = client_for(cast.clerk)
    response = client.post(reverse("archive:dossier_close", args=[dossier.code]))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.closed_by == cast.clerk and dossier.closed_at is not None
    assert dossier.review_year == 2036
    event = AuditEvent.objects.filter(object_id=str(dossier.code)).latest("seq")
    assert event.changes["review_year"] == [None, 2036] and event.changes["how"] == "manual"
    with pytest.raises(ValidationError) as exc:
        services.check_dossier_open(dossier)
    assert exc.value.code == "dossier_closed"
    with pytest.raises(ValidationError) as exc:
        services.dossier_close(actor=cast.clerk, dossier=dossier)
    assert codes(exc) == {"already_closed"}


def test_permanent_dossier_closes_without_review_year(cast):
    dossier = make_dossier(cast.committee, retention=default_period(None))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    assert dossier.closed_at is not None and dossier.review_year is None


def test_close_needs_a_retention_period(cast, client_for):
    dossier = make_dossier(cast.committee)
    client = client_for(cast.clerk)
    response = client.post(reverse("archive:dossier_close", args=[dossier.code]), follow=True)
    assert "thời hạn bảo quản" in str(list(response.context["messages"])[0])
    dossier.refresh_from_db()
    assert dossier.closed_at is None
    with pytest.raises(ValidationError) as exc:
        services.dossier_close(actor=cast.clerk, dossier=dossier)
    assert codes(exc) == {"retention_required"}


def test_reopen_needs_a_reason_and_is_audited(cast, client_for):
    dossier = make_dossier(cast.committee, year=2019, retention=default_period(5))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    client = client_for(cast.clerk)
    url = reverse("archive:dossier_reopen", args=[dossier.code])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    dossier.refresh_from_db()
    assert dossier.closed_at is not None
    response = client.post(url, {"reason": "Bổ sung biên bản bị sót"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.closed_at, dossier.closed_by, dossier.review_year) == (None, None, None)
    event = AuditEvent.objects.filter(object_id=str(dossier.code)).latest("seq")
    assert event.changes["reason"] == "Bổ sung biên bản bị sót"
    with pytest.raises(ValidationError) as exc:
        services.dossier_reopen(actor=cast.clerk, dossier=dossier, reason="x")
    assert codes(exc) == {"not_closed"}


def test_a_disposed_dossier_is_neither_reopened_nor_edited(cast):
    dossier = make_dossier(cast.committee, retention=default_period(5))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    Dossier.objects.filter(pk=dossier.pk).update(disposed_at=dossier.closed_at)
    dossier.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.dossier_reopen(actor=cast.clerk, dossier=dossier, reason="x")
    assert codes(exc) == {"dossier_disposed"}
    with pytest.raises(ValidationError) as exc:
        services.dossier_update(
            actor=cast.clerk, dossier=dossier, title="Hồ sơ", retention=dossier.retention
        )
    assert codes(exc) == {"dossier_disposed"}
    with pytest.raises(ValidationError) as exc:
        services.check_dossier_open(dossier)
    assert exc.value.code == "dossier_closed"


def test_services_refuse_those_without_the_right(cast):
    dossier = make_dossier(cast.committee, retention=default_period(5))
    for user in (cast.cell_secretary, cast.secretary):
        with pytest.raises(PermissionDenied):
            services.dossier_close(actor=user, dossier=dossier)
        with pytest.raises(PermissionDenied):
            services.dossier_update(actor=user, dossier=dossier, title="X", retention=None)
    with pytest.raises(PermissionDenied):
        services.dossier_close(actor=cast.outsider_clerk, dossier=dossier)


@pytest.mark.parametrize("who", ["cell_secretary", "secretary"])
def test_dossier_write_pages_refuse_without_the_register_right(cast, client_for, who):
    dossier = make_dossier(cast.committee, retention=default_period(5))
    client = client_for(getattr(cast, who))
    assert client.get(reverse("archive:dossier_edit", args=[dossier.code])).status_code == 403
    assert client.post(reverse("archive:dossier_close", args=[dossier.code])).status_code == 403
    assert client.get(reverse("archive:dossier_reopen", args=[dossier.code])).status_code == 403
    dossier.refresh_from_db()
    assert dossier.closed_at is None


def test_dossier_write_pages_are_404_for_another_committee(cast, client_for):
    dossier = make_dossier(cast.committee, retention=default_period(5))
    client = client_for(cast.outsider_clerk)
    for name in ("archive:dossier_edit", "archive:dossier_reopen"):
        assert client.get(reverse(name, args=[dossier.code])).status_code == 404
        assert client.post(reverse(name, args=[dossier.code])).status_code == 404
    assert client.post(reverse("archive:dossier_close", args=[dossier.code])).status_code == 404
    dossier.refresh_from_db()
    assert dossier.closed_at is None


def test_close_is_post_only(cast, client_for):
    dossier = make_dossier(cast.committee, retention=default_period(5))
    response = client_for(cast.clerk).get(reverse("archive:dossier_close", args=[dossier.code]))
    assert response.status_code == 405


# --- detail -----------------------------------------------------------------------------


def _item(committee, dossier, name="scan.pdf"):
    from django.core.files.base import ContentFile

    return ArchiveItem.objects.create(
        committee=committee,
        dossier=dossier,
        source_name=name,
        file=ContentFile(b"%PDF-1.4 test " + name.encode(), name=name),
        content_type="application/pdf",
        size=20,
        sha256=name.ljust(64, "0")[:64],
        title=f"Văn bản {name}",
    )


def test_detail_shows_state_retention_items_and_buttons(cast, client_for):
    dossier = make_dossier(cast.committee, year=2026, retention=default_period(10))
    item = _item(cast.committee, dossier)
    _item(cast.other, None, "khac.pdf")
    response = client_for(cast.clerk).get(reverse("archive:dossier", args=[dossier.code]))
    assert list(response.context["items"]) == [item]
    page = response.content.decode()
    assert "10 năm" in page and "Văn bản scan.pdf" in page
    assert reverse("archive:dossier_close", args=[dossier.code]) in page
    assert reverse("archive:dossier_edit", args=[dossier.code]) in page
    if response.context["items_linkable"]:
        assert reverse("archive:item", args=[item.code]) in page
    # a reader without the register right sees no write buttons
    response = client_for(cast.secretary).get(reverse("archive:dossier", args=[dossier.code]))
    assert reverse("archive:dossier_close", args=[dossier.code]) not in response.content.decode()


def test_detail_of_a_closed_dossier_offers_reopen_and_shows_decisions(cast, client_for):
    dossier = make_dossier(cast.committee, year=2000, retention=default_period(5))
    dossier = services.dossier_close(actor=cast.clerk, dossier=dossier)
    DisposalDecision.objects.create(
        committee=cast.committee,
        dossier=dossier,
        outcome=DisposalDecision.Outcome.KEEP,
        keep_until_year=2001,
        reason="Còn tra cứu",
    )
    response = client_for(cast.clerk).get(reverse("archive:dossier", args=[dossier.code]))
    page = response.content.decode()
    assert reverse("archive:dossier_reopen", args=[dossier.code]) in page
    assert reverse("archive:dossier_close", args=[dossier.code]) not in page
    assert "Còn tra cứu" in page
    # a leader sees the decision button while the dossier is due
    response = client_for(cast.secretary).get(reverse("archive:dossier", args=[dossier.code]))
    assert reverse("archive:disposal_decide", args=[dossier.code]) in response.content.decode()

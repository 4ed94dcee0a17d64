"""The retention list (defaults and the committee's own periods) and the year-end close."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from capuyso.archive import services, services_retention
from capuyso.archive.models import Dossier, RetentionPeriod
from capuyso.archive.tests.test_dossiers import codes, default_period, make_dossier
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def own_period(committee, name="15 năm", years=15, **extra):
    return RetentionPeriod.objects.create(committee=committee, name=name, years=years, **extra)


# --- services ---------------------------------------------------------------------------


def test_defaults_come_from_the_migration():
    defaults = RetentionPeriod.objects.filter(committee=None)
    assert {p.years for p in defaults} == {None, 70, 50, 20, 10, 5}
    assert defaults.get(years=None).permanent


def test_administrator_adds_a_period_and_it_is_audited(cast):
    period = services_retention.retention_period_create(
        actor=cast.admin, name="  15   năm ", years=15, sort_order=45
    )
    assert (period.committee, period.name, period.years, period.active) == (
        cast.committee,
        "15 năm",
        15,
        True,
    )
    event = AuditEvent.objects.get(object_id=str(period.code))
    assert event.verb == "create" and event.changes["years"] == [None, 15]
    assert event.committee_id == cast.committee.pk


@pytest.mark.parametrize(
    ("name", "years", "code"),
    [
        ("", 5, "name_required"),
        ("   ", None, "name_required"),
        ("Bảy năm", 0, "years_invalid"),
        ("Quá dài", 500, "years_invalid"),
        ("10 nam", 10, "name_taken"),  # the default "10 năm", without diacritics
        ("vĩnh viễn", None, "name_taken"),
    ],
)
def test_period_validation(cast, name, years, code):
    with pytest.raises(ValidationError) as exc:
        services_retention.retention_period_create(actor=cast.admin, name=name, years=years)
    assert codes(exc) == {code}
    assert not RetentionPeriod.objects.filter(committee=cast.committee).exists()


def test_a_name_of_another_committee_or_a_retired_row_is_free(cast):
    own_period(cast.other, "15 năm")
    own_period(cast.committee, "12 năm", 12, active=False)
    services_retention.retention_period_create(actor=cast.clerk, name="15 năm", years=15)
    services_retention.retention_period_create(actor=cast.clerk, name="12 năm", years=12)
    assert RetentionPeriod.objects.filter(committee=cast.committee).count() == 3


def test_update_changes_name_order_and_years_of_an_unused_period(cast):
    period = own_period(cast.committee)
    services_retention.retention_period_update(
        actor=cast.admin, period=period, name="25 năm", years=25, sort_order=35
    )
    period.refresh_from_db()
    assert (period.name, period.years, period.sort_order) == ("25 năm", 25, 35)
    event = AuditEvent.objects.filter(object_id=str(period.code)).latest("seq")
    assert event.changes == {"name": ["15 năm", "25 năm"], "years": [15, 25], "sort_order": [0, 35]}


def test_years_of_a_period_in_use_never_change(cast):
    period = own_period(cast.committee)
    make_dossier(cast.committee, retention=period)
    with pytest.raises(ValidationError) as exc:
        services_retention.retention_period_update(
            actor=cast.admin, period=period, name="15 năm", years=30
        )
    assert codes(exc) == {"period_in_use"}
    services_retention.retention_period_update(
        actor=cast.admin, period=period, name="Mười lăm năm", years=15
    )
    period.refresh_from_db()
    assert (period.name, period.years) == ("Mười lăm năm", 15)


def test_a_period_in_use_is_retired_not_deleted(cast):
    period = own_period(cast.committee)
    dossier = make_dossier(cast.committee, retention=period)
    with pytest.raises(ValidationError) as exc:
        services_retention.retention_period_delete(actor=cast.admin, period=period)
    assert codes(exc) == {"period_in_use"}
    services_retention.retention_period_set_active(actor=cast.admin, period=period, active=False)
    period.refresh_from_db()
    dossier.refresh_from_db()
    assert not period.active and dossier.retention == period
    event = AuditEvent.objects.filter(object_id=str(period.code)).latest("seq")
    assert event.changes == {"active": [True, False]}
    # the dossier keeps it and may still be saved with it; new dossiers can't have it
    services.dossier_update(actor=cast.clerk, dossier=dossier, title="Hồ sơ", retention=period)
    with pytest.raises(ValidationError) as exc:
        services.dossier_create(
            actor=cast.clerk, file_number="9", title="Mới", year=2026, retention=period
        )
    assert codes(exc) == {"retention_invalid"}


def test_an_unused_period_is_deleted_and_audited(cast):
    period = own_period(cast.committee)
    code = str(period.code)
    services_retention.retention_period_delete(actor=cast.admin, period=period)
    assert not RetentionPeriod.objects.filter(code=code).exists()
    assert AuditEvent.objects.get(object_id=code, verb="delete").changes["years"] == [15, None]


def test_bringing_back_a_period_whose_name_was_taken_meanwhile_is_refused(cast):
    period = own_period(cast.committee, active=False)
    own_period(cast.committee, "15 năm")
    with pytest.raises(ValidationError) as exc:
        services_retention.retention_period_set_active(actor=cast.admin, period=period, active=True)
    assert codes(exc) == {"name_taken"}


def test_default_rows_and_other_committees_rows_are_not_changed(cast):
    ten = default_period(10)
    with pytest.raises(ValidationError) as exc:
        services_retention.retention_period_update(
            actor=cast.admin, period=ten, name="Mười năm", years=10
        )
    assert codes(exc) == {"default_period"}
    with pytest.raises(ValidationError):
        services_retention.retention_period_set_active(actor=cast.admin, period=ten, active=False)
    foreign = own_period(cast.other)
    with pytest.raises(PermissionDenied):
        services_retention.retention_period_delete(actor=cast.admin, period=foreign)
    for user in (cast.secretary, cast.cell_secretary):
        with pytest.raises(PermissionDenied):
            services_retention.retention_period_create(actor=user, name="X", years=3)
    assert RetentionPeriod.objects.get(pk=ten.pk).name == "10 năm"


# --- pages ------------------------------------------------------------------------------


def test_list_shows_defaults_and_own_rows_only(cast, client_for):
    mine = own_period(cast.committee)
    own_period(cast.other, "30 năm", 30)
    response = client_for(cast.admin).get(reverse("archive:retention"))
    assert response.status_code == 200
    assert response.context["own"] == [mine]
    assert {p.years for p in response.context["defaults"]} == {None, 70, 50, 20, 10, 5}
    assert "30 năm" not in response.content.decode()


def test_add_edit_retire_and_delete_through_the_pages(cast, client_for):
    client = client_for(cast.clerk)
    response = client.post(
        reverse("archive:retention_add"), {"name": "15 năm", "years": "15", "sort_order": "45"}
    )
    assert response["Location"] == reverse("archive:retention")
    period = RetentionPeriod.objects.get(committee=cast.committee)
    response = client.post(reverse("archive:retention_add"), {"name": "15 nam", "years": "15"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    response = client.post(reverse("archive:retention_add"), {"name": "Sai", "years": "0"})
    assert "years" in response.context["form"].errors
    edit = reverse("archive:retention_edit", args=[period.code])
    response = client.post(edit, {"name": "Vĩnh viễn riêng", "years": "", "sort_order": "1"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.permanent and period.name == "Vĩnh viễn riêng"
    client.post(reverse("archive:retention_toggle", args=[period.code]))
    period.refresh_from_db()
    assert not period.active
    client.post(reverse("archive:retention_delete", args=[period.code]))
    assert not RetentionPeriod.objects.filter(pk=period.pk).exists()


def test_a_period_in_use_is_not_deleted_through_the_page(cast, client_for):
    period = own_period(cast.committee)
    make_dossier(cast.committee, retention=period)
    response = client_for(cast.admin).post(
        reverse("archive:retention_delete", args=[period.code]), follow=True
    )
    assert "chỉ có thể ngừng sử dụng" in str(list(response.context["messages"])[0])
    assert RetentionPeriod.objects.filter(pk=period.pk).exists()


def test_a_default_row_is_not_editable_by_a_committee(cast, client_for):
    ten = default_period(10)
    client = client_for(cast.admin)
    assert client.get(reverse("archive:retention_edit", args=[ten.code])).status_code == 403
    response = client.post(reverse("archive:retention_toggle", args=[ten.code]))
    assert response.status_code == 403
    assert RetentionPeriod.objects.get(pk=ten.pk).active


@pytest.mark.parametrize("who", ["cell_secretary", "secretary", "member"])
def test_retention_pages_refuse_without_the_configure_right(cast, client_for, who):
    period = own_period(cast.committee)
    client = client_for(getattr(cast, who))
    assert client.get(reverse("archive:retention")).status_code == 403
    assert client.get(reverse("archive:retention_add")).status_code == 403
    assert client.get(reverse("archive:retention_edit", args=[period.code])).status_code == 403
    for name in ("archive:retention_toggle", "archive:retention_delete"):
        assert client.post(reverse(name, args=[period.code])).status_code == 403
    period.refresh_from_db()
    assert period.active


def test_retention_pages_are_404_for_another_committee(cast, client_for):
    period = own_period(cast.committee)
    client = client_for(cast.outsider)  # the other committee's administrator
    for name in ("archive:retention_edit", "archive:retention_toggle", "archive:retention_delete"):
        assert client.post(reverse(name, args=[period.code])).status_code == 404
    assert client.get(reverse("archive:retention_edit", args=[period.code])).status_code == 404
    period.refresh_from_db()
    assert period.active and period.name == "15 năm"


def test_toggle_and_delete_are_post_only(cast, client_for):
    period = own_period(cast.committee)
    client = client_for(cast.admin)
    for name in ("archive:retention_toggle", "archive:retention_delete"):
        assert client.get(reverse(name, args=[period.code])).status_code == 405


# --- the year-end close -----------------------------------------------------------------

TODAY = dt.date(2026, 1, 5)


def test_close_year_closes_open_dossiers_of_that_year_and_before(cast):
    ten, five = default_period(10), default_period(5)
    old = make_dossier(cast.committee, "01", year=2019, retention=five)
    last = make_dossier(cast.committee, "02", year=2025, retention=ten)
    current = make_dossier(cast.committee, "03", year=2026, retention=ten)
    untyped = make_dossier(cast.committee, "04", year=2025)
    foreign = make_dossier(cast.other, "01", year=2025, retention=ten)
    run = services.dossiers_close_year(committee=cast.committee, year=2025, today=TODAY)
    result = run.as_dict()
    assert result["closed_count"] == 2 and result["skipped_count"] == 1
    assert {row["review_year"] for row in result["closed"]} == {2024, 2035}
    assert result["skipped"][0]["code"] == str(untyped.code)
    assert result["skipped"][0]["reason"] == "no_retention"
    for dossier in (old, last, current, untyped, foreign):
        dossier.refresh_from_db()
    assert old.closed_at and last.closed_at and old.closed_by is None
    assert (old.review_year, last.review_year) == (2024, 2035)
    assert current.closed_at is None and untyped.closed_at is None and foreign.closed_at is None
    event = AuditEvent.objects.filter(object_id=str(last.code)).latest("seq")
    assert event.changes["how"] == "year_end" and event.actor_id is None
    again = services.dossiers_close_year(committee=cast.committee, year=2025, today=TODAY)
    assert again.as_dict()["closed_count"] == 0


def test_close_year_refuses_a_year_not_over(cast):
    dossier = make_dossier(cast.committee, year=2026, retention=default_period(10))
    with pytest.raises(ValidationError) as exc:
        services.dossiers_close_year(committee=cast.committee, year=2026, today=TODAY)
    assert exc.value.code == "year_not_over"
    dossier.refresh_from_db()
    assert dossier.closed_at is None


def test_command_prints_json_and_defaults_to_last_year(cast):
    from django.utils import timezone

    last_year = timezone.localdate().year - 1
    dossier = make_dossier(cast.committee, year=last_year, retention=default_period(10))
    out = StringIO()
    call_command("archive_close_year", "--committee", "phu-cat", stdout=out)
    result = json.loads(out.getvalue())
    assert result["committee"] == "phu-cat" and result["year"] == last_year
    assert result["closed"][0]["code"] == str(dossier.code)
    assert result["closed"][0]["review_year"] == last_year + 10
    assert Dossier.objects.get(pk=dossier.pk).closed_at is not None


def test_command_all_committees_and_errors(cast):
    make_dossier(cast.committee, year=2020, retention=default_period(5))
    make_dossier(cast.other, year=2020, retention=default_period(5))
    out = StringIO()
    call_command("archive_close_year", "--all", "--year", "2020", stdout=out)
    result = json.loads(out.getvalue())
    assert {r["committee"]: r["closed_count"] for r in result} == {
        "ha-noi": 0,
        "phu-cat": 1,
        "dong-xuan": 1,
    }
    with pytest.raises(CommandError):
        call_command("archive_close_year", "--committee", "khong-co")
    with pytest.raises(CommandError):
        call_command("archive_close_year")
    with pytest.raises(CommandError, match="chưa kết thúc"):
        call_command("archive_close_year", "--committee", "phu-cat", "--year", "2999")

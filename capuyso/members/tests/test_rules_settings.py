import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.members.models import MembershipRules
from capuyso.members.rules import award_dates, rules_on
from capuyso.members.services.settings import calendar_day_save, rules_save
from capuyso.org.models import CalendarDay

pytestmark = pytest.mark.django_db


def _values(**changes):
    values = {
        "effective_from": dt.date(2026, 1, 1),
        "probation_months": 12,
        "recognition_working_days": 30,
        "recognition_notice_days": 30,
        "transfer_working_days": 60,
        "badge_milestones": [30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90],
        "badge_award_days": ["03/02", "19/05", "02/09", "07/11"],
        "early_award_split_years": 65,
        "early_award_months_lower": 12,
        "early_award_months_upper": 24,
        "posthumous_early_months": 12,
        "legal_basis": "",
    }
    values.update(changes)
    return values


def test_the_platform_rules_are_seeded_and_in_force(cast):
    rules = rules_on(cast.committee, dt.date(2026, 11, 28))
    assert rules.committee_id is None
    assert rules.probation_months == 12
    assert rules.badge_milestones[0] == 30 and rules.badge_milestones[-1] == 90
    assert award_dates(rules, 2027) == [
        dt.date(2027, 2, 3),
        dt.date(2027, 5, 19),
        dt.date(2027, 9, 2),
        dt.date(2027, 11, 7),
    ]


def test_a_committee_row_applies_from_its_date_only_to_that_committee(cast):
    rules_save(
        actor=cast.admin,
        committee=cast.committee,
        rules=None,
        values=_values(effective_from=dt.date(2026, 6, 1), transfer_working_days=45),
    )
    assert rules_on(cast.committee, dt.date(2026, 5, 31)).transfer_working_days == 60
    assert rules_on(cast.committee, dt.date(2026, 6, 1)).transfer_working_days == 45
    assert rules_on(cast.other, dt.date(2026, 6, 1)).transfer_working_days == 60
    # A later platform-wide change is the newest rule and applies to everyone.
    MembershipRules.objects.create(
        effective_from=dt.date(2026, 9, 1),
        **{k: v for k, v in _values(transfer_working_days=50).items() if k != "effective_from"},
    )
    assert rules_on(cast.committee, dt.date(2026, 9, 1)).transfer_working_days == 50


def test_rules_in_force_cannot_be_corrected_and_bad_values_are_refused(cast):
    row = rules_save(actor=cast.admin, committee=cast.committee, rules=None, values=_values())
    with pytest.raises(ValidationError) as exc:
        rules_save(actor=cast.admin, committee=cast.committee, rules=row, values=_values())
    assert exc.value.error_list[0].code == "in_force"
    with pytest.raises(ValidationError) as exc:
        rules_save(
            actor=cast.admin,
            committee=cast.committee,
            rules=None,
            values=_values(
                effective_from=dt.date(2026, 2, 1),
                badge_milestones=[40, 30],
                badge_award_days=["31/02"],
            ),
        )
    assert set(exc.value.error_dict) == {"badge_milestones", "badge_award_days"}
    with pytest.raises(ValidationError) as exc:
        rules_save(actor=cast.admin, committee=cast.committee, rules=None, values=_values())
    assert exc.value.error_dict["effective_from"][0].code == "duplicate"
    with pytest.raises(PermissionDenied):
        rules_save(actor=cast.secretary, committee=cast.committee, rules=None, values=_values())


def test_rules_pages(cast, client_for):
    admin = client_for(cast.admin)
    assert admin.get("/members/settings/rules/").status_code == 200
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = _values(effective_from=tomorrow.isoformat(), transfer_working_days=40)
    data["badge_milestones"] = "30, 40, 45, 50"
    data["badge_award_days"] = "03/02, 19/05"
    response = admin.post("/members/settings/rules/add/", data)
    assert response.status_code == 302
    row = MembershipRules.objects.get(committee=cast.committee)
    assert row.badge_milestones == [30, 40, 45, 50] and row.transfer_working_days == 40
    # Not yet in force: it can be withdrawn.
    assert admin.get(f"/members/settings/rules/{row.code}/withdraw/").status_code == 405
    assert admin.post(f"/members/settings/rules/{row.code}/withdraw/").status_code == 302
    assert not MembershipRules.objects.filter(committee=cast.committee).exists()
    assert client_for(cast.secretary).get("/members/settings/rules/").status_code == 403
    assert client_for(cast.outsider).get(f"/members/settings/rules/{row.code}/").status_code == 404


def test_calendar_page_and_corrections(cast, client_for):
    admin = client_for(cast.admin)
    page = admin.get("/members/settings/calendar/?year=2026")
    assert page.status_code == 200
    assert dt.date(2026, 2, 17) in [h["date"] for h in page.context["holidays"]]
    response = admin.post(
        "/members/settings/calendar/?year=2026",
        {"date": "2026-12-05", "is_working_day": "1", "note": "Làm bù theo thông báo"},
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get(committee=cast.committee)
    assert row.is_working_day and row.date == dt.date(2026, 12, 5)
    # A note is required.
    response = admin.post(
        "/members/settings/calendar/", {"date": "2026-12-06", "is_working_day": "0", "note": " "}
    )
    assert response.status_code == 200 and CalendarDay.objects.count() == 1
    # (client_for re-logs the one test client in, so the outsider goes last.)
    outsider = client_for(cast.outsider)
    assert outsider.post(f"/members/settings/calendar/{row.code}/remove/").status_code == 404
    assert CalendarDay.objects.exists()
    admin = client_for(cast.admin)
    assert admin.post(f"/members/settings/calendar/{row.code}/remove/").status_code == 302
    assert not CalendarDay.objects.exists()
    assert client_for(cast.cell_secretary).get("/members/settings/calendar/").status_code == 403


def test_calendar_note_is_required(cast):
    with pytest.raises(ValidationError) as exc:
        calendar_day_save(
            actor=cast.admin,
            committee=cast.committee,
            date=dt.date(2026, 12, 5),
            is_working_day=True,
            note="",
        )
    assert exc.value.error_dict["note"][0].code == "required"

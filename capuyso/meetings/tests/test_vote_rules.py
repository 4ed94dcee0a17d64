import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.meetings.models import VoteRule
from capuyso.meetings.rules import vote_rule_on
from capuyso.meetings.services.vote_rules import vote_rule_add, vote_rule_withdraw

pytestmark = pytest.mark.django_db


def _add(cast, **changes):
    values = {
        "code": "resolution",
        "effective_from": dt.date(2026, 6, 1),
        "numerator": 2,
        "denominator": 3,
        "strict": False,
        "base": VoteRule.Base.PRESENT,
    }
    values.update(changes)
    return vote_rule_add(actor=cast.admin, committee=cast.committee, **values)


def test_the_administrator_changes_a_threshold_from_a_date(cast):
    _add(cast)
    assert vote_rule_on(cast.committee, "resolution", dt.date(2026, 5, 31)).numerator == 1
    rule = vote_rule_on(cast.committee, "resolution", dt.date(2026, 6, 1))
    assert (rule.numerator, rule.denominator, rule.strict) == (2, 3, False)
    assert vote_rule_on(cast.other, "resolution", dt.date(2026, 6, 1)).numerator == 1


def test_bad_thresholds_are_refused(cast):
    with pytest.raises(ValidationError) as exc:
        _add(cast, code="nonsense", numerator=4, denominator=3)
    assert {f: e[0].code for f, e in exc.value.error_dict.items()} == {
        "code": "unknown_code",
        "numerator": "fraction",
    }
    _add(cast)
    with pytest.raises(ValidationError) as exc:
        _add(cast)
    assert exc.value.error_dict["effective_from"][0].code == "duplicate"
    with pytest.raises(PermissionDenied):
        vote_rule_add(
            actor=cast.secretary,
            committee=cast.committee,
            code="resolution",
            effective_from=dt.date(2026, 7, 1),
            numerator=1,
            denominator=2,
            strict=True,
            base=VoteRule.Base.PRESENT,
        )


def test_only_rules_not_yet_in_force_can_be_withdrawn(cast):
    past = _add(cast)
    with pytest.raises(ValidationError) as exc:
        vote_rule_withdraw(actor=cast.admin, committee=cast.committee, rule=past)
    assert exc.value.error_list[0].code == "in_force"
    future = _add(cast, effective_from=timezone.localdate() + dt.timedelta(days=3))
    vote_rule_withdraw(actor=cast.admin, committee=cast.committee, rule=future)
    assert not VoteRule.objects.filter(pk=future.pk).exists()


def test_vote_rules_page(cast, client_for):
    admin = client_for(cast.admin)
    assert admin.get("/meetings/settings/vote-rules/").status_code == 200
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = admin.post(
        "/meetings/settings/vote-rules/",
        {
            "code": "admission",
            "effective_from": tomorrow.isoformat(),
            "strict": "0",
            "numerator": "3",
            "denominator": "4",
            "base": "full_members",
            "legal_basis": "Nghị quyết của Đảng ủy",
        },
    )
    assert response.status_code == 302
    rule = VoteRule.objects.get(committee=cast.committee)
    url = f"/meetings/settings/vote-rules/admission/{tomorrow.isoformat()}/withdraw/"
    assert admin.get(url).status_code == 405
    assert client_for(cast.outsider).post(url).status_code == 404
    assert VoteRule.objects.filter(pk=rule.pk).exists()
    assert client_for(cast.admin).post(url).status_code == 302
    assert not VoteRule.objects.filter(pk=rule.pk).exists()
    assert client_for(cast.secretary).get("/meetings/settings/vote-rules/").status_code == 403

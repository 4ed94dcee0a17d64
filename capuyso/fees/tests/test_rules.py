"""Fee settings, groups, rules, retention shares and bank accounts: the administrator's
services. Overlapping dates are refused with nothing saved; rows a closed month used are only
ended or superseded; every change is audited."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from capuyso.accounts.models import User
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import build_cast
from capuyso.fees.models import BankAccount, FeeGroup, FeeRule, FeeSettings, RetentionRule
from capuyso.fees.services import rules as services
from capuyso.fees.tests import factories as f
from capuyso.org.models import Committee

D = dt.date


def codes(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [e.code for e in v] for k, v in exc.error_dict.items()}
    return {None: [e.code for e in exc.error_list]}


JULY = D(2026, 7, 1)


def add_rule(cast, slug="salaried", since=JULY, until=None, *, actor=None, **extra):
    values = {
        "group": f.group(slug, cast.committee),
        "effective_from": since,
        "effective_until": until,
        "rate_bp": 120,
        "fixed_amount": None,
        "legal_basis": "NQ 05/ĐU",
    }
    values.update(extra)
    supersede = values.pop("supersede", False)
    return services.fee_rule_save(
        actor=actor or cast.admin, committee=cast.committee, values=values, supersede=supersede
    )


def test_a_committee_rule_is_saved_and_audited(cast):
    rule = add_rule(cast)
    assert (rule.committee, rule.rate_bp, rule.created_by) == (cast.committee, 120, cast.admin)
    event = AuditEvent.objects.get(object_type="fees.feerule", object_id=str(rule.code))
    assert event.actor == cast.admin and event.committee == cast.committee
    assert event.changes["rate_bp"] == [None, 120]


def test_overlapping_dates_for_the_same_group_are_refused_and_nothing_saved(cast):
    add_rule(cast, until=D(2026, 8, 31))
    count = FeeRule.objects.count()
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, since=D(2026, 8, 31))
    assert codes(exc.value) == {"effective_from": ["overlap"]}
    with pytest.raises(ValidationError):
        add_rule(cast, since=D(2026, 1, 1), until=D(2026, 7, 1))
    assert FeeRule.objects.count() == count
    # the day after is fine, and so is another group, and the platform row is another scope
    add_rule(cast, since=D(2026, 9, 1))
    add_rule(cast, "leave", since=D(2026, 7, 1))
    assert FeeRule.objects.count() == count + 2


def test_an_open_rule_blocks_any_later_one_unless_superseded(cast):
    first = add_rule(cast)
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, since=D(2027, 1, 1), rate_bp=150)
    assert codes(exc.value) == {"effective_from": ["overlap"]}
    second = add_rule(cast, since=D(2027, 1, 1), rate_bp=150, supersede=True)
    first.refresh_from_db()
    assert first.effective_until == D(2026, 12, 31)
    assert second.effective_until is None
    # superseding never reaches a row that starts later
    with pytest.raises(ValidationError):
        add_rule(cast, since=D(2026, 6, 1), rate_bp=110, supersede=True)


def test_correcting_a_rule_checks_overlap_against_the_others(cast):
    first = add_rule(cast, until=D(2026, 8, 31))
    second = add_rule(cast, since=D(2026, 9, 1))
    values = {name: getattr(second, name) for name in services.RULE_FIELDS}
    values["effective_from"] = D(2026, 8, 1)
    with pytest.raises(ValidationError) as exc:
        services.fee_rule_save(
            actor=cast.admin, committee=cast.committee, values=values, rule=second
        )
    assert codes(exc.value) == {"effective_from": ["overlap"]}
    values["effective_from"] = D(2026, 10, 1)
    values["rate_bp"] = 130
    services.fee_rule_save(actor=cast.admin, committee=cast.committee, values=values, rule=second)
    second.refresh_from_db()
    assert (second.effective_from, second.rate_bp) == (D(2026, 10, 1), 130)
    assert first.pk != second.pk


def test_a_rate_or_a_fixed_amount_within_bounds(cast):
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, fixed_amount=5_000)
    assert codes(exc.value) == {"rate_bp": ["rate_or_fixed"]}
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, rate_bp=None)
    assert codes(exc.value) == {"rate_bp": ["rate_or_fixed"]}
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, rate_bp=10_001)
    assert codes(exc.value) == {"rate_bp": ["rate_bounds"]}
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, "farmer", rate_bp=100)
    assert codes(exc.value) == {"rate_bp": ["rate_needs_amount"]}
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, "farmer", rate_bp=None, fixed_amount=20_000_000)
    assert codes(exc.value) == {"fixed_amount": ["fixed_bounds"]}
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, until=D(2026, 6, 30))
    assert codes(exc.value) == {"effective_until": ["end_before_start"]}
    rule = add_rule(cast, "farmer", rate_bp=None, fixed_amount=10_000)
    assert rule.fixed_amount == 10_000


def test_another_committees_group_cannot_be_used(cast):
    foreign = f.add_group(cast.other, "lam-nghiep")
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, group=foreign, rate_bp=None, fixed_amount=1_000)
    assert codes(exc.value) == {"group": ["required"]}


def test_a_row_used_by_a_closed_month_can_only_be_ended_or_superseded(cast):
    rule = add_rule(cast, since=D(2026, 6, 1))
    f.close_book(cast.cell, D(2026, 7, 1))
    values = {name: getattr(rule, name) for name in services.RULE_FIELDS}
    values["rate_bp"] = 150
    with pytest.raises(ValidationError) as exc:
        services.fee_rule_save(actor=cast.admin, committee=cast.committee, values=values, rule=rule)
    assert codes(exc.value) == {None: ["used_by_closed_month"]}
    with pytest.raises(ValidationError) as exc:
        services.fee_rule_end(
            actor=cast.admin, committee=cast.committee, rule=rule, until=D(2026, 6, 30)
        )
    assert codes(exc.value) == {"effective_until": ["used_by_closed_month"]}
    rule.refresh_from_db()
    assert (rule.rate_bp, rule.effective_until) == (120, None)
    # a new row may not cover the closed month either
    with pytest.raises(ValidationError) as exc:
        add_rule(cast, "leave", since=D(2026, 7, 1))
    assert codes(exc.value) == {"effective_from": ["closed_month"]}
    # ending after the closed month, or superseding from August, is fine
    services.fee_rule_end(
        actor=cast.admin, committee=cast.committee, rule=rule, until=D(2026, 7, 1)
    )
    rule.refresh_from_db()
    assert rule.effective_until == D(2026, 7, 1)
    newer = add_rule(cast, since=D(2026, 8, 1), rate_bp=150)
    assert newer.rate_bp == 150
    # an end date only moves earlier
    with pytest.raises(ValidationError) as exc:
        services.fee_rule_end(
            actor=cast.admin, committee=cast.committee, rule=rule, until=D(2026, 7, 20)
        )
    assert codes(exc.value) == {"effective_until": ["not_earlier"]}


def test_only_the_administrator_of_the_committee_configures(cast):
    for actor in (cast.clerk, cast.cell_secretary, cast.outsider):
        with pytest.raises(PermissionDenied):
            add_rule(cast, actor=actor)
    platform = FeeRule.objects.filter(committee=None).first()
    values = {name: getattr(platform, name) for name in services.RULE_FIELDS}
    with pytest.raises(PermissionDenied):
        services.fee_rule_save(
            actor=cast.admin, committee=cast.committee, values=values, rule=platform
        )
    assert not FeeRule.objects.filter(committee=cast.committee).exists()


def settings_values(**extra):
    values = {
        "effective_from": D(2026, 5, 1),
        "rounding_unit": 1000,
        "rounding_mode": "half_up",
        "basis_min": 100_000,
        "basis_max": 200_000_000,
        "exemption_party_age_years": 50,
        "reduction_percents": [30, 50, 70],
        "max_reduction_months": 12,
        "unpaid_months_threshold": 3,
        "legal_basis": "",
    }
    values.update(extra)
    return values


def test_fee_settings_from_a_date(cast):
    row = services.fee_settings_save(
        actor=cast.admin, committee=cast.committee, values=settings_values()
    )
    assert (row.committee, row.rounding_unit) == (cast.committee, 1000)
    with pytest.raises(ValidationError) as exc:
        services.fee_settings_save(
            actor=cast.admin, committee=cast.committee, values=settings_values()
        )
    assert codes(exc.value) == {"effective_from": ["duplicate"]}
    with pytest.raises(ValidationError) as exc:
        services.fee_settings_save(
            actor=cast.admin,
            committee=cast.committee,
            values=settings_values(
                effective_from=D(2026, 6, 1),
                basis_max=50_000,
                reduction_percents=[70, 30],
                rounding_unit=0,
            ),
        )
    assert codes(exc.value) == {
        "basis_max": ["basis_bounds"],
        "reduction_percents": ["reduction_percents"],
        "rounding_unit": ["rounding_unit"],
    }
    assert FeeSettings.objects.filter(committee=cast.committee).count() == 1


def test_settings_used_by_a_closed_month_are_superseded_not_corrected(cast):
    row = services.fee_settings_save(
        actor=cast.admin, committee=cast.committee, values=settings_values()
    )
    f.close_book(cast.other_cell, D(2026, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.fee_settings_save(
            actor=cast.admin,
            committee=cast.committee,
            values=settings_values(rounding_unit=1),
            row=row,
        )
    assert codes(exc.value) == {None: ["used_by_closed_month"]}
    # a row from 15/04 ends before May (the May row follows): May keeps its settings
    services.fee_settings_save(
        actor=cast.admin,
        committee=cast.committee,
        values=settings_values(effective_from=D(2026, 4, 15)),
    )
    f.close_book(cast.cell, D(2026, 6, 1))
    with pytest.raises(ValidationError) as exc:  # would change the closed June
        services.fee_settings_save(
            actor=cast.admin,
            committee=cast.committee,
            values=settings_values(effective_from=D(2026, 5, 10)),
        )
    assert codes(exc.value) == {"effective_from": ["closed_month"]}
    later = services.fee_settings_save(
        actor=cast.admin,
        committee=cast.committee,
        values=settings_values(effective_from=D(2026, 7, 1), rounding_unit=1),
    )
    assert later.rounding_unit == 1


def test_a_committee_adds_its_own_group(cast):
    values = {"slug": "ngu-dan", "name": "Ngư dân", "basis_kind": "fixed", "sort_order": 90}
    group = services.fee_group_save(actor=cast.admin, committee=cast.committee, values=values)
    assert (group.committee, group.slug, group.is_active) == (cast.committee, "ngu-dan", True)
    for slug, code in (("farmer", "slug_taken"), ("ngu-dan", "slug_taken"), ("Ngư Dân", "slug")):
        with pytest.raises(ValidationError) as exc:
            services.fee_group_save(
                actor=cast.admin, committee=cast.committee, values={**values, "slug": slug}
            )
        assert codes(exc.value) == {"slug": [code]}
    # the other committee may use the same short name
    services.fee_group_save(actor=cast.outsider, committee=cast.other, values=values)
    member = f.member_with_basis(cast, group)
    assert member.fee_bases.get().group == group
    with pytest.raises(ValidationError) as exc:
        services.fee_group_save(
            actor=cast.admin,
            committee=cast.committee,
            values={**values, "basis_kind": "salary"},
            group=group,
        )
    assert codes(exc.value) == {"basis_kind": ["in_use"]}
    services.fee_group_save(
        actor=cast.admin,
        committee=cast.committee,
        values={**values, "name": "Ngư dân ven biển", "is_active": False},
        group=group,
    )
    group.refresh_from_db()
    assert (group.name, group.is_active) == ("Ngư dân ven biển", False)
    assert FeeGroup.objects.filter(committee=cast.committee).count() == 1


def test_retention_shares_do_not_overlap(cast):
    values = {
        "effective_from": D(2026, 7, 1),
        "effective_until": None,
        "cell_keeps_bp": 5000,
        "committee_keeps_bp": 9000,
        "legal_basis": "",
    }
    first = services.retention_save(actor=cast.admin, committee=cast.committee, values=values)
    with pytest.raises(ValidationError) as exc:
        services.retention_save(
            actor=cast.admin,
            committee=cast.committee,
            values={**values, "effective_from": D(2027, 1, 1)},
        )
    assert codes(exc.value) == {"effective_from": ["overlap"]}
    with pytest.raises(ValidationError) as exc:
        services.retention_save(
            actor=cast.admin,
            committee=cast.committee,
            values={**values, "effective_from": D(2027, 1, 1), "cell_keeps_bp": 10_001},
        )
    assert codes(exc.value) == {"cell_keeps_bp": ["share_bounds"]}
    services.retention_save(
        actor=cast.admin,
        committee=cast.committee,
        values={**values, "effective_from": D(2027, 1, 1), "cell_keeps_bp": 4000},
        supersede=True,
    )
    first.refresh_from_db()
    assert first.effective_until == D(2026, 12, 31)
    assert RetentionRule.objects.filter(committee=cast.committee).count() == 2


def bank_values(cast, **extra):
    values = {
        "cell": None,
        "bank_bin": "970436",
        "bank_name": "Vietcombank",
        "account_number": "0011 0012 3456",
        "account_name": "DANG UY XA PHU CAT",
        "is_active": True,
    }
    values.update(extra)
    return values


def test_bank_accounts_of_the_committee_and_its_cells(cast):
    account = services.bank_account_save(
        actor=cast.admin, committee=cast.committee, values=bank_values(cast)
    )
    assert account.account_number == "001100123456"
    cell_account = services.bank_account_save(
        actor=cast.admin,
        committee=cast.committee,
        values=bank_values(cast, cell=cast.cell, account_number="1234567890"),
    )
    assert cell_account.cell == cast.cell
    cases = [
        ({"bank_bin": "97043"}, {"bank_bin": ["bin"]}),
        ({"bank_bin": "97043A"}, {"bank_bin": ["bin"]}),
        ({"account_number": "12345678901234567890"}, {"account_number": ["account_number"]}),
        ({"account_number": "0011-0012-3456"}, {"account_number": ["duplicate_account"]}),
        ({"account_number": "999", "cell": cast.foreign_cell}, {"cell": ["cell"]}),
        ({"account_number": "999"}, {"is_active": ["active_exists"]}),
    ]
    for extra, expected in cases:
        with pytest.raises(ValidationError) as exc:
            services.bank_account_save(
                actor=cast.admin, committee=cast.committee, values=bank_values(cast, **extra)
            )
        assert codes(exc.value) == expected, extra
    spare = services.bank_account_save(
        actor=cast.admin,
        committee=cast.committee,
        values=bank_values(cast, account_number="999", is_active=False),
    )
    assert not spare.is_active
    assert BankAccount.objects.filter(committee=cast.committee).count() == 3
    with pytest.raises(PermissionDenied):
        services.bank_account_save(
            actor=cast.clerk, committee=cast.committee, values=bank_values(cast)
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency needs PostgreSQL (SQLite serialises)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_overlapping_rules_cannot_both_pass():
    cast = build_cast()
    admin_pk, committee_pk = cast.admin.pk, cast.committee.pk
    group_pk = f.group("salaried").pk
    barrier = threading.Barrier(2, timeout=30)

    def save(index: int):
        try:
            admin = User.objects.get(pk=admin_pk)
            values = {
                "group": FeeGroup.objects.get(pk=group_pk),
                "effective_from": D(2026, 7 + index, 1),
                "effective_until": None,
                "rate_bp": 120 + index,
                "fixed_amount": None,
                "legal_basis": "",
            }
            barrier.wait()
            services.fee_rule_save(
                actor=admin, committee=Committee.objects.get(pk=committee_pk), values=values
            )
            return "saved"
        except ValidationError as exc:
            return codes(exc)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(save, range(2)))
    assert sorted(map(str, results)) == sorted(["saved", str({"effective_from": ["overlap"]})])
    assert FeeRule.objects.filter(committee_id=committee_pk).count() == 1

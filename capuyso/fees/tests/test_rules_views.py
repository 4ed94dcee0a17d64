"""The fee rules pages: who may open them, what they show, and that forms save through the
services (money and percentages typed the Vietnamese way)."""

import datetime as dt

import pytest
from django.urls import reverse

from capuyso.fees.models import BankAccount, FeeGroup, FeeRule
from capuyso.fees.tests import factories as f
from capuyso.jobs.models import Job

D = dt.date


@pytest.fixture
def own_rule(cast):
    return f.set_rule("salaried", committee=cast.committee, since=D(2026, 7, 1), rate_bp=120)


def test_the_administrator_sees_the_rules_in_force_with_their_origin(
    cast, client_for, own_rule, django_assert_max_num_queries
):
    client = client_for(cast.admin)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("fees:rules"), {"on": "2026-07-15"})
    assert response.status_code == 200
    in_force = {item["group"].slug: item["rule"] for item in response.context["in_force"]["groups"]}
    assert in_force["salaried"].value == own_rule and in_force["salaried"].from_committee
    assert in_force["retired"].value.rate_bp == 50 and not in_force["retired"].from_committee
    assert in_force["farmer"] is None
    assert response.context["in_force"]["settings"].origin == "platform"
    page = response.content.decode()
    assert "1,2" in page and "5.000" in page
    assert f'href="{reverse("fees:rules")}"' in page  # in the navigation
    june = client.get(reverse("fees:rules"), {"on": "2026-06-30"})
    groups = {item["group"].slug: item["rule"] for item in june.context["in_force"]["groups"]}
    assert groups["salaried"].value.rate_bp == 100 and not groups["salaried"].from_committee


def test_the_in_force_panel_alone_for_htmx(cast, client_for):
    response = client_for(cast.admin).get(
        reverse("fees:rules"), {"on": "2026-03-01"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert 'id="in-force"' in page and "<html" not in page


@pytest.mark.parametrize(
    "name",
    [
        "fees:rules",
        "fees:rules_settings_add",
        "fees:rules_group_add",
        "fees:rules_rule_add",
        "fees:rules_retention_add",
        "fees:rules_bank_add",
    ],
)
def test_roles_without_the_configure_right_get_403(cast, client_for, name):
    for user in (cast.clerk, cast.cell_secretary, cast.member, cast.secretary):
        assert client_for(user).get(reverse(name)).status_code == 403, user


def test_the_outsider_gets_404_for_this_committees_rows(cast, client_for, own_rule):
    account = BankAccount.objects.create(
        committee=cast.committee,
        bank_bin="970436",
        bank_name="VCB",
        account_number="123",
        account_name="X",
    )
    group = f.add_group(cast.committee, "ngu-dan")
    client = client_for(cast.outsider)
    for name, code in (
        ("fees:rules_rule_edit", own_rule.code),
        ("fees:rules_rule_end", own_rule.code),
        ("fees:rules_group_edit", group.code),
        ("fees:rules_bank_edit", account.code),
    ):
        assert client.get(reverse(name, args=[code])).status_code == 404, name
        assert client.post(reverse(name, args=[code]), {}).status_code == 404, name
    platform = FeeRule.objects.filter(committee=None).first()
    assert (
        client_for(cast.admin)
        .get(reverse("fees:rules_rule_edit", args=[platform.code]))
        .status_code
        == 404
    )


def test_adding_a_rule_through_the_form(cast, client_for):
    client = client_for(cast.admin)
    salaried = f.group("salaried")
    response = client.post(
        reverse("fees:rules_rule_add"),
        {"group": salaried.pk, "effective_from": "2026-07-01", "rate_bp": "1,2"},
    )
    assert response.status_code == 302
    rule = FeeRule.objects.get(committee=cast.committee)
    assert (rule.rate_bp, rule.fixed_amount, rule.effective_from) == (120, None, D(2026, 7, 1))
    # an overlapping rule: the form again with the error on the date, nothing saved
    response = client.post(
        reverse("fees:rules_rule_add"),
        {"group": salaried.pk, "effective_from": "2026-09-01", "rate_bp": "1.5"},
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["effective_from"]] == [
        "overlap"
    ]
    assert FeeRule.objects.filter(committee=cast.committee).count() == 1
    # superseding from the form ends the first one
    client.post(
        reverse("fees:rules_rule_add"),
        {"group": salaried.pk, "effective_from": "2026-09-01", "rate_bp": "1.5", "supersede": "on"},
    )
    rule.refresh_from_db()
    assert rule.effective_until == D(2026, 8, 31)
    farmer = f.group("farmer")
    response = client.post(
        reverse("fees:rules_rule_add"),
        {"group": farmer.pk, "effective_from": "2026-07-01", "fixed_amount": "-5.000"},
    )
    assert [e.code for e in response.context["form"].errors.as_data()["fixed_amount"]] == [
        "negative"
    ]
    client.post(
        reverse("fees:rules_rule_add"),
        {"group": farmer.pk, "effective_from": "2026-07-01", "fixed_amount": "12.000 đ"},
    )
    assert FeeRule.objects.get(committee=cast.committee, group=farmer).fixed_amount == 12_000


def test_ending_a_rule_through_the_form(cast, client_for, own_rule):
    client = client_for(cast.admin)
    url = reverse("fees:rules_rule_end", args=[own_rule.code])
    assert client.get(url).status_code == 200
    assert client.post(url, {"effective_until": "2026-12-31"}).status_code == 302
    own_rule.refresh_from_db()
    assert own_rule.effective_until == D(2026, 12, 31)


def test_settings_group_retention_and_bank_forms(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        reverse("fees:rules_settings_add"),
        {
            "effective_from": "2026-05-01",
            "rounding_unit": "1000",
            "rounding_mode": "half_up",
            "basis_min": "100.000",
            "basis_max": "300.000.000",
            "exemption_party_age_years": "50",
            "reduction_percents": "30, 50, 70",
            "max_reduction_months": "12",
            "unpaid_months_threshold": "3",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("fees:rules_settings_add")).status_code == 200
    response = client.post(
        reverse("fees:rules_group_add"),
        {"name": "Ngư dân", "slug": "ngu-dan", "basis_kind": "fixed", "sort_order": "90"},
    )
    assert response.status_code == 302
    group = FeeGroup.objects.get(committee=cast.committee)
    assert group.is_active is False  # an unticked box
    response = client.post(
        reverse("fees:rules_retention_add"),
        {"effective_from": "2026-07-01", "cell_keeps_bp": "50", "committee_keeps_bp": "90"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("fees:rules_bank_add"),
        {
            "bank_bin": "97043",
            "bank_name": "Vietcombank",
            "account_number": "0011001234567",
            "account_name": "DANG UY XA PHU CAT",
            "is_active": "on",
        },
    )
    assert [e.code for e in response.context["form"].errors.as_data()["bank_bin"]] == ["bin"]
    response = client.post(
        reverse("fees:rules_bank_add"),
        {
            "cell": cast.cell.pk,
            "bank_bin": "970436",
            "bank_name": "Vietcombank",
            "account_number": "0011001234567",
            "account_name": "CHI BO THON DONG CAT",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert BankAccount.objects.get(committee=cast.committee).cell == cast.cell
    page = client.get(reverse("fees:rules")).content.decode()
    assert "0011001234567" in page and "Ngư dân" in page


def test_computing_dues_is_a_post_for_the_committee_office(
    cast, client_for, django_capture_on_commit_callbacks
):
    f.member_with_basis(cast, "salaried", 7_654_321)
    url = reverse("fees:dues_compute")
    assert client_for(cast.clerk).get(url).status_code == 405
    assert client_for(cast.cell_secretary).post(url, {"month": "2026-03"}).status_code == 403
    assert client_for(cast.admin).post(url, {"month": "2026-03"}).status_code == 403
    client = client_for(cast.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-03"})
    assert response.status_code == 302
    job = Job.objects.get(kind="fees.dues")
    assert job.status == Job.Status.DONE and job.owner == cast.clerk
    response = client.post(url, {"month": "March", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]

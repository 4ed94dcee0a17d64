"""The fee demo data of Phú Cát (capuyso/fees/demo.py, part of seed_demo): bank accounts,
the committee's fixed amounts, a basis for every member, reliefs, dues from the service,
payments with a realistic method mix, three-month gaps, closed books whose totals are the
service's, remittances; deterministic, and removed by the demo reset."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, F, Q, Sum

from capuyso.accounts.models import User
from capuyso.accounts.services import api_token_create
from capuyso.core import demo
from capuyso.fees import calc, paycodes, selectors, vietqr
from capuyso.fees import demo as fees_demo
from capuyso.fees.models import (
    BankAccount,
    CellMonthBook,
    FeeBasis,
    FeeGroup,
    FeeReference,
    FeeRelief,
    FeeRule,
    MonthlyDue,
    Payment,
    Remittance,
    RetentionRule,
)
from capuyso.fees.services.books import book_totals, share_of
from capuyso.fees.services.dues import dues_compute
from capuyso.members.models import Member
from capuyso.org.models import Committee, Unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
MONTHS = [dt.date(2026, m, 1) for m in range(3, 12)]
CURRENT, PREVIOUS = MONTHS[-1], MONTHS[-2]


def seed():
    demo.seed_demo(members=600, today=TODAY)
    return Committee.objects.get(slug="phu-cat")


@pytest.fixture
def phu_cat(db):
    return seed()


def test_accounts_rules_bases_and_reliefs(phu_cat):
    accounts = BankAccount.objects.filter(committee=phu_cat)
    own = accounts.get(cell=None)
    assert (own.bank_bin, own.bank_name) == ("970405", "Agribank")
    assert accounts.exclude(cell=None).count() == len(fees_demo.CELL_ACCOUNTS)
    assert {a.bank_bin for a in accounts} <= {"970405", "970415", "970418"}

    rules = {
        r.group.slug: r for r in FeeRule.objects.filter(committee=phu_cat).select_related("group")
    }
    assert {slug: r.fixed_amount for slug, r in rules.items()} == {
        "farmer": 10_000,
        "no_income": 5_000,
    }
    assert all("Đảng ủy xã" in r.legal_basis for r in rules.values())
    assert FeeGroup.objects.filter(committee=phu_cat).count() == 0  # platform groups used

    active = Member.objects.filter(committee=phu_cat, status__in=Member.ACTIVE_STATUSES)
    declared = set(FeeBasis.objects.filter(committee=phu_cat).values_list("member_id", flat=True))
    admitted_before = active.filter(admission_date__lt=PREVIOUS)
    assert set(admitted_before.values_list("pk", flat=True)) <= declared
    groups = Counter(
        FeeBasis.objects.filter(
            committee=phu_cat, effective_from=fees_demo.FIRST_MONTH
        ).values_list("group__slug", flat=True)
    )
    assert {"retired", "salaried", "farmer", "no_income"} <= set(groups)
    assert groups["farmer"] > groups["student"]
    retired_cell = Unit.objects.get(committee=phu_cat, name="Chi bộ Hưu trí Phú Cát")
    pensions = FeeBasis.objects.filter(member__cell=retired_cell, group__slug="retired")
    assert pensions.count() >= active.filter(cell=retired_cell).count() * 0.7
    assert not FeeBasis.objects.filter(Q(amount__lt=1_000_000) | Q(amount__gt=20_000_000)).exists()

    reliefs = FeeRelief.objects.filter(committee=phu_cat)
    assert reliefs.filter(reason="poor_household", percent=100).count() == 7
    assert reliefs.filter(kind="reduction", percent=50).count() == 9
    poor = reliefs.filter(reason="poor_household").first()
    assert MonthlyDue.objects.get(member=poor.member, month=poor.start_month).amount == 0
    halved = reliefs.filter(kind="reduction").first()
    due = MonthlyDue.objects.get(member=halved.member, month=halved.start_month)
    assert (due.relief_percent, due.amount) == (50, 5_000 if due.group.slug == "farmer" else 2_500)


def test_dues_payments_flags_books_and_remittances(phu_cat, client):
    dues = MonthlyDue.objects.filter(committee=phu_cat)
    assert sorted(dues.values_list("month", flat=True).distinct()) == MONTHS
    assert dues.filter(relief_reason="party_age", amount=0).exists()
    farmer = dues.filter(group__slug="farmer", relief_percent=0).first()
    assert farmer.amount == 10_000
    # The dues are the service's own: computing the current month again changes nothing.
    assert dues_compute(committee=phu_cat, month=CURRENT).written == 0

    payments = Payment.objects.filter(committee=phu_cat)
    past_due = dues.filter(month__lt=CURRENT, amount__gt=0).count()
    paid_months = payments.filter(month__lt=CURRENT).values("member", "month").distinct()
    assert paid_months.count() >= past_due * 0.9
    # Mostly cash in the villages and retired cells, the portal in the agencies; the online
    # share grows month by month.
    rural = payments.filter(cell__cell_kind__in=(Unit.CellKind.VILLAGE, Unit.CellKind.RETIRED))
    methods = Counter(rural.values_list("method", flat=True))
    assert methods["cash"] > 2 * (methods["portal"] + methods["bank"])
    agencies = Counter(
        payments.filter(cell__cell_kind=Unit.CellKind.AGENCY).values_list("method", flat=True)
    )
    assert agencies["portal"] > agencies["cash"]
    assert payments.filter(method="bank").exists()
    online = Q(method__in=("portal", "bank"))

    def share(month):
        figures = payments.filter(book_month=month).aggregate(n=Count("id"), o=Count("id", online))
        return figures["o"] / figures["n"]

    assert 0.1 < share(MONTHS[0]) < share(PREVIOUS) < 0.8
    assert payments.filter(paid_on__gt=TODAY).count() == 0
    assert payments.filter(book_month__gt=F("month")).exists()  # late payments
    bank = payments.filter(method="bank").first()
    assert vietqr.parse_fee_note(bank.note).month == bank.month.month

    members = Member.objects.filter(committee=phu_cat).values_list("pk", flat=True)
    flags = selectors.unpaid_flags(phu_cat.pk, members, 2026, today=TODAY)
    flagged = [pk for pk, flag in flags.items() if flag.flagged]
    assert len(flagged) == fees_demo.FLAGGED
    cell = Unit.objects.get(committee=phu_cat, name=fees_demo.SECRETARY_CELL)
    assert 1 <= Member.objects.filter(pk__in=flagged, cell=cell).count() <= 2
    assert all(flags[pk].months[-3:] == MONTHS[-4:-1] for pk in flagged)

    books = CellMonthBook.objects.filter(committee=phu_cat)
    closed = books.filter(status="closed")
    assert not closed.filter(month=CURRENT).exists()
    assert closed.filter(month__lt=PREVIOUS).count() >= 0.85 * (len(MONTHS) - 2) * 59
    assert books.get(cell=cell, month=PREVIOUS).status == "open"
    assert books.get(cell=cell, month=MONTHS[0]).status == "closed"
    for book in closed.select_related("cell"):
        totals = book_totals(book.cell, book.month)
        assert totals.pop("retention_rule") == book.retention_rule
        assert {name: getattr(book, name) for name in totals} == totals, book

    remittances = Remittance.objects.filter(committee=phu_cat)
    from_cells = remittances.filter(direction="cell").select_related("cell")
    assert from_cells.count() >= 0.85 * closed.filter(to_remit__gt=0).count()
    for remittance in from_cells:
        assert (
            remittance.amount == closed.get(cell=remittance.cell, month=remittance.month).to_remit
        )
    rule = RetentionRule.objects.get(committee=None)
    for upward in remittances.filter(direction="upper"):
        received = from_cells.filter(month=upward.month).aggregate(t=Sum("amount"))["t"]
        assert upward.amount == received - share_of(received, rule.committee_keeps_bp)

    summary = selectors.committee_summary(phu_cat, MONTHS[0])
    assert summary.closed_count >= 50
    assert 0 < summary.total.online < summary.total.collected

    # The demo member reads their account and payment code through the API.
    dangvien = User.objects.get(username="dangvien")
    token = api_token_create(actor=None, user=dangvien, name="test")[1]
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/fees/me", {"year": 2026}, headers=auth).json()
    assert body["member"]["full_name"] == dangvien.member.full_name
    assert len([m for m in body["months"] if m["due"] is not None]) == len(MONTHS)
    code = paycodes.member_code(dangvien.member, CURRENT)
    assert code.account.cell_id == cell.pk  # the cell's own account
    assert vietqr.parse_payload(code.payload)["bank_bin"] == "970415"


def fingerprint(committee):
    payments = Payment.objects.filter(committee=committee).values_list(
        "member__card_number", "member__full_name", "month", "book_month", "amount",
        "extra_amount", "method", "paid_on", "reference",
    )  # fmt: skip
    books = CellMonthBook.objects.filter(committee=committee).values_list(
        "cell__name", "month", "status", "collected_total", "to_remit"
    )
    return sorted(payments), sorted(books)


def test_deterministic_and_removed_by_the_reset(phu_cat):
    before = fingerprint(phu_cat)
    platform = (
        FeeGroup.objects.filter(committee=None).count(),
        FeeRule.objects.filter(committee=None).count(),
        RetentionRule.objects.filter(committee=None).count(),
    )

    demo.demo_reset()

    for model in (
        BankAccount, CellMonthBook, FeeBasis, FeeReference, FeeRelief, MonthlyDue,
        Payment, Remittance,
    ):  # fmt: skip
        assert not model.objects.exists(), model
    assert not FeeRule.objects.exclude(committee=None).exists()
    assert platform == (
        FeeGroup.objects.filter(committee=None).count(),
        FeeRule.objects.filter(committee=None).count(),
        RetentionRule.objects.filter(committee=None).count(),
    )
    assert fingerprint(seed()) == before


def test_nothing_before_the_first_month_of_the_rules(db):
    demo.seed_demo(members=120, today=dt.date(2026, 2, 20))
    committee = Committee.objects.get(slug="phu-cat")
    assert BankAccount.objects.filter(committee=committee).exists()
    assert not MonthlyDue.objects.exists()
    assert not Payment.objects.exists()
    assert calc.month_start(dt.date(2026, 2, 20)) < fees_demo.FIRST_MONTH


def test_early_in_a_year_the_three_unpaid_months_fall_in_the_year_before(db):
    today = dt.date(2027, 2, 10)
    demo.seed_demo(members=150, today=today)
    committee = Committee.objects.get(slug="phu-cat")
    members = Member.objects.filter(committee=committee).values_list("pk", flat=True)
    flags = selectors.unpaid_flags(committee.pk, members, 2026, today=today)
    flagged = [flag for flag in flags.values() if flag.flagged]
    assert len(flagged) == fees_demo.FLAGGED
    assert all(flag.months[-3:] == [dt.date(2026, m, 1) for m in (10, 11, 12)] for flag in flagged)
    assert MonthlyDue.objects.filter(month=dt.date(2027, 2, 1)).exists()

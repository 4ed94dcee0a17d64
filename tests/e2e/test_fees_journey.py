"""Party fees in the browser: the cell secretary (Bí thư chi bộ) opens the cell's fee page for
07/2026, records the cash collected at the cell meeting for three members in one form (one
with a voluntary extra), records a payment made on the national portal, sees the member with
three unpaid months flagged for a strike-off proposal, and closes the month; then the office
clerk (Văn thư) opens the committee's summary for 07/2026 and finds the cell's book closed
with the collected total and the online share, to the đồng.

The month is a fixed past month (the platform's fee rules start on 03/02/2026), so the
journey reads the same whatever day it runs. Locators use names, codes, form actions and
amounts rather than labels, so the journey holds before and after the translation pass.
"""

import re

from e2e_helpers import SUBMIT, sign_in, sign_out
from playwright.sync_api import expect

from capuyso.fees.models import CellMonthBook, Payment
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

JULY = f.month(2026, 7)
EARLIER = [f.month(2026, m) for m in (4, 5, 6)]
YM = "2026-07"

AN_DUE = 76_543  # 1 % of a 7,654,321 đ salary base
BINH_DUE = 25_000  # 0.5 % of a 5,000,000 đ pension
CHI_DUE = 5_000  # a student
DUNG_DUE = 60_000  # 1 % of 6,000,000 đ, paid on the portal
EM_DUE = 20_000  # 0.5 % of a 4,000,000 đ pension, never paid
DUE = AN_DUE + BINH_DUE + CHI_DUE + DUNG_DUE + EM_DUE  # 186,543
BINH_EXTRA = 50_000
CASH = AN_DUE + BINH_DUE + BINH_EXTRA + CHI_DUE  # 156,543
COLLECTED = CASH + DUNG_DUE  # 216,543
RETAINED = (COLLECTED * 3000 + 5000) // 10000  # the cell keeps 30 %: 64,962.9 → 64,963
TO_REMIT = COLLECTED - RETAINED  # 151,580


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def setup_fees(cast):
    """Five members of the cell with their bases, dues of 04 to 07/2026; everyone paid
    04 to 06 in cash except Em, who paid nothing since April."""
    people = {
        "an": f.member_with_basis(cast, "salaried", 7_654_321, full_name="Trần Văn An"),
        "binh": f.member_with_basis(cast, "retired", 5_000_000, full_name="Đặng Thị Bình"),
        "chi": f.member_with_basis(cast, "student", None, full_name="Lê Minh Chi"),
        "dung": f.member_with_basis(cast, "salaried", 6_000_000, full_name="Phạm Văn Dũng"),
        "em": f.member_with_basis(cast, "retired", 4_000_000, full_name="Hoàng Văn Em"),
    }
    for month in [*EARLIER, JULY]:
        f.compute(cast.committee, month)
    for key, member in people.items():
        if key == "em":
            continue
        for month in EARLIER:
            payment_record(
                actor=None,
                member=member,
                month=month,
                amount=f.due_of(member, month).amount,
                method="cash",
                paid_on=month.replace(day=10),
            )
    return people


def row_of(page, member):
    return page.locator(f"tr#m-{member.code}")


def test_cell_secretary_records_and_closes_a_month_and_the_committee_sees_it(
    page, site, cast, console
):
    people = setup_fees(cast)

    # The cell secretary's "Party fees" leads to their cell's month; they open 07/2026.
    sign_in(page, site, cast.cell_secretary)
    page.goto(site("fees:home"))
    expect(page).to_have_url(re.compile(re.escape(site("/fees/cells/")) + str(cast.cell.code)))
    page.goto(site("fees:cell_month", cast.cell.code, YM))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(cast.cell.name)
    expect(heading).to_contain_text("07/2026")
    expect(heading.locator(".badge-ok")).to_have_count(0)  # the book is open

    # Em has not paid since April: flagged for a strike-off proposal, with the months.
    flagged = page.locator("section.msg-error")
    expect(flagged).to_contain_text("Hoàng Văn Em")
    expect(flagged).not_to_contain_text("Trần Văn An")
    em_flag = row_of(page, people["em"]).locator(".badge-err[title]")
    expect(em_flag).to_have_attribute("title", re.compile(r"04/2026 05/2026 06/2026"))
    expect(row_of(page, people["an"])).to_contain_text(vnd(AN_DUE))

    # The cash of the cell meeting: three members ticked, one with a voluntary extra.
    cash_form = page.locator("form[action$='/cash/']")
    for key in ("an", "binh", "chi"):
        cash_form.locator(f"input[name='paid-{people[key].code}']").check()
    cash_form.locator(f"input[name='extra-{people['binh'].code}']").fill("50.000")
    expect(cash_form.locator("input[name='paid_on']")).to_have_value("2026-07-31")
    cash_form.locator(SUBMIT).last.click()
    expect(page.locator(".messages .msg-success")).to_contain_text(vnd(CASH))
    for key in ("an", "binh", "chi"):
        expect(row_of(page, people[key]).locator(".badge-ok")).to_have_count(1)  # paid
    expect(row_of(page, people["binh"])).to_contain_text(vnd(BINH_EXTRA))

    # Dũng paid on the national portal: recorded from the portal's confirmation.
    page.locator("details.card > summary").click()
    payment_form = page.locator("form[action$='/payment/']")
    payment_form.locator("select[name='member']").select_option(str(people["dung"].code))
    payment_form.locator("select[name='method']").select_option("portal")
    expect(payment_form.locator("input[name='month']")).to_have_value(YM)
    payment_form.locator("input[name='paid_on']").fill("2026-07-20")
    payment_form.locator("input[name='reference']").fill("DVCQG2607200001")
    payment_form.locator(SUBMIT).last.click()
    expect(page.locator(".messages .msg-success")).to_contain_text(vnd(DUNG_DUE))
    expect(row_of(page, people["dung"]).locator(".badge-ok")).to_have_count(1)
    expect(page.get_by_role("main")).to_contain_text("DVCQG2607200001")

    # Em is still unpaid and flagged; the book's totals add up before closing.
    expect(row_of(page, people["em"]).locator(".badge-err")).to_have_count(2)
    totals = page.locator("section.card", has=page.locator("#totals-h"))
    for amount in (CASH, DUNG_DUE, COLLECTED, RETAINED, TO_REMIT):
        expect(totals).to_contain_text(vnd(amount))

    page.locator("form[action$='/close/']").locator(SUBMIT).click()
    expect(heading.locator(".badge-ok")).to_have_count(1)  # closed
    expect(page.locator(".messages .msg-success")).to_contain_text(vnd(TO_REMIT))
    expect(page.locator("form[action$='/cash/']")).to_have_count(0)  # nothing more to record
    expect(page.locator("form[action$='/reopen/']")).to_have_count(1)
    assert console.take() == []

    book = CellMonthBook.objects.get(cell=cast.cell, month=JULY)
    assert (book.status, book.collected_cash, book.collected_portal) == ("closed", CASH, DUNG_DUE)
    assert (book.collected_total, book.retained, book.to_remit) == (COLLECTED, RETAINED, TO_REMIT)
    assert Payment.objects.get(member=people["dung"], month=JULY).method == "portal"
    assert not Payment.objects.filter(member=people["em"]).exists()
    sign_out(page)

    # The office clerk opens the committee's summary of 07/2026.
    sign_in(page, site, cast.clerk)
    page.goto(site("fees:home"))
    expect(page).to_have_url(re.compile(re.escape(site("fees:committee"))))
    page.goto(site("fees:committee") + f"?month={YM}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("07/2026")
    row = page.locator("tr", has=page.get_by_role("link", name=cast.cell.name)).first
    expect(row.locator(".badge-ok")).to_have_count(1)  # the cell's book is closed
    expect(row).to_contain_text(vnd(COLLECTED))
    expect(row).to_contain_text(vnd(TO_REMIT))
    expect(row).to_contain_text(vnd(DUE))
    expect(row).to_contain_text(vnd(EM_DUE))  # not paid: Em's due
    expect(row).to_contain_text(re.compile(r"27[,.]7\s*%"))  # 60,000 of 216,543 online
    other = page.locator("tr", has=page.get_by_role("link", name=cast.other_cell.name)).first
    expect(other.locator(".badge-ok")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text("1/2")  # books closed
    assert console.take() == []

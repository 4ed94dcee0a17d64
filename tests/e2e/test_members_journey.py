"""Đảng viên: a cell secretary exempts a full member from activities, and the cell's vote
count follows.

The cell (Chi bộ thôn Đồng Cát) holds four full members and one probationary member; the
school cell next door holds one more, which the cell secretary must not see.

1. Bí thư chi bộ signs in, opens the member list of their cell from the home page, and sees
   only their cell's members, under the cell's vote count: 4 full members vote.
2. The recognitions page shows the same count (their only cell is chosen for them).
3. They open a full member's file (the opening is audited), see the same count on it,
   follow "record an exemption", and fill the form: health, application date, resolution
   number and date, start date.
4. Back on the file the status is "exempt from activities" and the vote count says 3; the
   recognitions page and the member list (status column and count) say so too.

As in the other journeys, buttons are found by their form and fields by `name`; the texts
checked (the status label) are taken from the same catalogue the page uses.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone, translation
from e2e_helpers import SUBMIT, sign_in
from playwright.sync_api import expect

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.members.models import Exemption, Member

RESOLUTION = "05-NQ/CB"


def label(text) -> str:
    """`text` (a lazy label) as the page shows it: the Vietnamese catalogue, else English."""
    with translation.override("vi"):
        return str(text)


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def eligible(page, cell):
    """The 'full members who vote' figure of `cell`'s vote count on the current page."""
    return page.locator(f"#quorum-{cell.code} [data-quorum='eligible']")


def test_cell_secretary_exempts_a_member_and_the_vote_count_drops(page, site, cast, console):
    chosen = make_member(cast.committee, cast.cell, "Trần Văn An", card_number="52100001")
    for name in ("Lê Thị Bích", "Phạm Văn Cường", "Vũ Thị Dung"):
        make_member(cast.committee, cast.cell, name)
    make_member(
        cast.committee,
        cast.cell,
        "Đỗ Văn Em",
        admission_date=days_ago(60),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    elsewhere = make_member(cast.committee, cast.other_cell, "Ngô Thị Giang")

    # 1. The member list of the cell, from the home page.
    sign_in(page, site, cast.cell_secretary)
    expect(page).to_have_url(site("core:home"))
    list_url = f"{reverse('members:list')}?cell={cast.cell.code}"
    with page.expect_navigation():
        page.get_by_role("main").locator(f"a[href='{list_url}']").first.click()
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.cell.name)
    rows = main.locator("#member-table tbody tr")
    expect(rows).to_have_count(5)
    expect(main).not_to_contain_text(elsewhere.full_name)
    expect(eligible(page, cast.cell)).to_have_text("4")  # the vote count above the list

    # 2. The recognitions page shows the cell's vote count (their only cell is chosen).
    response = page.goto(site("members:recognitions"))
    assert response is not None and response.status == 200
    expect(eligible(page, cast.cell)).to_have_text("4")
    expect(page.locator(f"#quorum-{cast.cell.code} [data-quorum='two-thirds']")).to_have_text("3")
    page.go_back()

    # 3. The member's file; its opening is in the audit trail.
    detail_url = reverse("members:detail", args=[chosen.code])
    with page.expect_navigation():
        page.get_by_role("main").locator(f"a[href='{detail_url}']").click()
    expect(page).to_have_url(site(detail_url))
    expect(page.get_by_role("heading", level=1)).to_contain_text(chosen.full_name)
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.VIEW,
        object_type="members.member",
        object_id=str(chosen.code),
        actor=cast.cell_secretary,
    ).exists()
    expect(eligible(page, cast.cell)).to_have_text("4")

    exempt_url = reverse("members:exempt", args=[chosen.code])
    with page.expect_navigation():
        page.locator(f".lifecycle a[href='{exempt_url}']").click()
    form = page.locator("form[method='post']", has=page.locator("select[name='reason']"))
    form.locator("select[name='reason']").select_option(Exemption.Reason.HEALTH.value)
    form.locator("input[name='applied_on']").fill(days_ago(20).isoformat())
    form.locator("input[name='decision_number']").fill(RESOLUTION)
    form.locator("input[name='decision_date']").fill(days_ago(10).isoformat())
    form.locator("input[name='starts_on']").fill(days_ago(5).isoformat())
    with page.expect_navigation():
        form.locator(SUBMIT).first.click()

    # 4. Back on the file: exempt, and one vote fewer.
    expect(page).to_have_url(site(detail_url))
    exempt = label(Member.Status.EXEMPT.label)
    expect(page.locator(".messages")).to_contain_text(chosen.full_name)
    expect(page.locator("h1 .badge")).to_have_text(exempt)
    expect(page.locator(".lifecycle")).to_contain_text(label(Exemption.Reason.HEALTH.label))
    expect(page.locator(".lifecycle")).to_contain_text(days_ago(5).strftime("%d/%m/%Y"))
    expect(eligible(page, cast.cell)).to_have_text("3")

    chosen.refresh_from_db()
    assert chosen.status == Member.Status.EXEMPT
    exemption = chosen.exemptions.get()
    assert (exemption.reason, exemption.decision_number) == ("health", RESOLUTION)
    assert (exemption.applied_on, exemption.decision_date, exemption.starts_on) == (
        days_ago(20),
        days_ago(10),
        days_ago(5),
    )
    assert exemption.recorded_by == cast.cell_secretary

    response = page.goto(site("members:recognitions"))
    assert response is not None and response.status == 200
    expect(eligible(page, cast.cell)).to_have_text("3")

    # The list tells the member's new status too.
    response = page.goto(site(list_url))
    assert response is not None and response.status == 200
    row = page.locator("#member-table tbody tr", has=page.locator(f"a[href='{detail_url}']"))
    expect(row).to_contain_text(exempt)
    expect(eligible(page, cast.cell)).to_have_text("3")
    assert console.take() == []

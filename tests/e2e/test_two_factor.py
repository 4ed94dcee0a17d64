"""Lãnh đạo (a committee leader) needs the code from the authenticator app after the password."""

from e2e_helpers import enter_otp, fill_login_form, main_nav, otp_field, totp_code
from playwright.sync_api import expect

from capuyso.core.testing import PASSWORD


def test_leader_is_asked_for_a_totp_code_and_gets_in_with_a_correct_one(page, site, cast):
    leader = cast.secretary
    fill_login_form(page, site, leader.username, PASSWORD)
    expect(otp_field(page)).to_be_visible()
    expect(page).not_to_have_url(site("core:home"))

    right = totp_code(leader)
    wrong = f"{(int(right) + 1) % 10 ** len(right):0{len(right)}d}"
    enter_otp(page, wrong)
    expect(otp_field(page)).to_be_visible()
    expect(page).not_to_have_url(site("core:home"))

    page.wait_for_timeout(1500)  # django-otp throttles: 1 s after one failure
    enter_otp(page, right)
    expect(page).to_have_url(site("core:home"))
    expect(main_nav(page)).to_have_count(1)


def test_leader_with_only_a_password_cannot_reach_the_home_page(page, site, cast):
    fill_login_form(page, site, cast.secretary.username, PASSWORD)
    expect(otp_field(page)).to_be_visible()

    page.goto(site("core:home"))
    expect(page).not_to_have_url(site("core:home"))
    expect(page.get_by_role("main")).not_to_contain_text(cast.cell.name)

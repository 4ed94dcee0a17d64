"""Văn thư (the office clerk) signs in, walks the whole main menu and signs out."""

import re

import pytest
from e2e_helpers import horizontal_overflow, main_nav, main_nav_urls, sign_in, sign_out
from playwright.sync_api import expect


@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
def test_clerk_signs_in_walks_every_menu_item_and_signs_out(
    page, site, cast, console, viewport_name
):
    sign_in(page, site, cast.clerk)

    expect(page).to_have_url(site("core:home"))
    expect(main_nav(page)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    urls = main_nav_urls(page, site)
    assert site("core:home") in urls
    assert site("org:cells") in urls
    assert site("accounts:users") in urls  # the clerk manages the committee's records

    for url in urls:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if viewport_name == "phone":
            assert horizontal_overflow(page) == 0, f"{url} scrolls sideways on a 360 px phone"
        assert console.take() == [], url

    sign_out(page)
    expect(page).to_have_url(re.compile(re.escape(site("accounts:login"))))
    page.goto(site("core:home"))
    expect(page).to_have_url(re.compile(re.escape(site("accounts:login"))))
    expect(main_nav(page)).to_have_count(0)

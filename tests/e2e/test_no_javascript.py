"""The site works on a browser with JavaScript turned off (old PCs, strict settings)."""

import re

import pytest
from e2e_helpers import main_nav_urls, sign_in, sign_out
from playwright.sync_api import expect


@pytest.mark.parametrize("who", ["clerk", "secretary"])  # the secretary also answers TOTP
def test_sign_in_navigate_and_sign_out_without_javascript(new_context, site, cast, who):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, getattr(cast, who))
    expect(page).to_have_url(site("core:home"))

    urls = main_nav_urls(page, site)
    assert len(urls) > 1
    for url in urls:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    sign_out(page)
    expect(page).to_have_url(re.compile(re.escape(site("accounts:login"))))

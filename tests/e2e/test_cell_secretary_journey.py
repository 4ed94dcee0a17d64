"""Bí thư chi bộ (a cell secretary) finds their cell, and is kept out of user administration."""

from e2e_helpers import main_nav, main_nav_urls, sign_in
from playwright.sync_api import expect


def test_cell_secretary_opens_their_cell_but_not_the_user_admin(page, site, cast, console):
    sign_in(page, site, cast.cell_secretary)

    expect(page).to_have_url(site("core:home"))
    expect(page.get_by_role("main")).to_contain_text(cast.cell.name)
    assert site("accounts:users") not in main_nav_urls(page, site)

    response = page.goto(site("org:cells"))
    assert response is not None
    assert response.status == 200
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(main).not_to_contain_text(cast.foreign_cell.name)  # another committee's cell

    main.get_by_role("link", name=cast.cell.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.cell.name)
    assert console.take() == []

    response = page.goto(site("accounts:users"))
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(main_nav(page)).to_have_count(1)  # the 403 page keeps the menu: a way back

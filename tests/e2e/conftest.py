"""Browser journeys with pytest-playwright on Debian's Chromium against pytest-django's live server.

Run them with `scripts/test-e2e` (or `.venv/bin/pytest tests/e2e -p no:cacheprovider`); the unit
suite (`scripts/test`) does not collect this folder. Screenshots of failed journeys land in
tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from e2e_helpers import ConsoleWatch, Site

# The sync Playwright API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a loop unless told it is safe (the live server and fixtures use the ORM).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CAPUYSO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


def pytest_configure(config):
    # Defaults for this folder: Chromium, a screenshot of every page of a failed journey.
    if not config.option.browser:
        config.option.browser = ["chromium"]
    if config.option.screenshot == "off":
        config.option.screenshot = "only-on-failure"
        config.option.full_page_screenshot = True
    if config.option.output == "test-results":
        config.option.output = str(ARTIFACTS)
    # pytest-playwright's own base_url fallback trips a pytest 9 deprecation; not ours to fix.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            # The live server sees committed data only, so journeys run in transactional tests.
            # Those empty every table afterwards; serialized_rollback brings back the rows that
            # data migrations created (the role/permission table), which the app needs.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.exit(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium, or set CAPUYSO_CHROMIUM",
            returncode=1,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def viewport_name():
    """Which screen the journey runs on; parametrize with ["desktop", "phone"] for both."""
    return "desktop"


@pytest.fixture
def browser_context_args(browser_context_args, viewport_name):
    return {
        **browser_context_args,
        **VIEWPORTS[viewport_name],
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
    }


@pytest.fixture
def cast(live_server, transactional_db):
    """The shared test cast (capuyso.core.testing), visible to the live server thread."""
    from capuyso.core.testing import build_cast

    return build_cast()


@pytest.fixture
def site(live_server):
    """Absolute URL helpers for the live server: site("accounts:login") or site("/org/")."""
    return Site(live_server.url)


@pytest.fixture
def console(page):
    """Console errors and uncaught exceptions of `page`: console.take() returns and clears them."""
    return ConsoleWatch(page)

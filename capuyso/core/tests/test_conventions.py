"""Guards for the conventions that keep tenant data from leaking."""

import re
from pathlib import Path

APPS = Path(__file__).resolve().parents[2]
DIRECT_FETCH = re.compile(r"\.objects\.(get|filter|all|exclude)\(|get_object_or_404\(")


def view_modules():
    for path in APPS.glob("*/views.py"):
        yield path
    for path in APPS.glob("*/views/*.py"):
        yield path


def test_views_fetch_tenant_data_only_through_selectors():
    """Views call `get_<thing>_for_user` / selectors, never the ORM directly."""
    offenders = []
    for path in view_modules():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if DIRECT_FETCH.search(line) and "# access: " not in line:
                offenders.append(f"{path.relative_to(APPS)}:{number}: {line.strip()}")
    assert offenders == [], "Use a selector or access helper instead:\n" + "\n".join(offenders)


def test_the_guard_sees_views():
    assert len(list(view_modules())) >= 5

import io
import json

import pytest
from django.core.management import call_command

from bench import runner
from bench.scenarios import SCENARIOS, register

pytestmark = pytest.mark.django_db


def bench(*args) -> list[dict]:
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "2", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def extra_scenarios():
    before = list(SCENARIOS)
    yield
    SCENARIOS[:] = before


def test_emits_one_json_line_per_scenario_with_timings_or_an_error():
    lines = bench()
    by_name = {line["name"]: line for line in lines}
    assert by_name["build.tiny"]["seconds"] >= 0
    for scenario in SCENARIOS:
        line = by_name[scenario.name]
        assert ("p50_ms" in line and line["n"] == 2) or "error" in line, line
        if "p50_ms" in line:
            assert line["p95_ms"] >= line["p50_ms"] >= 0
            assert line["queries"] > 0


def test_html_pages_report_their_weight_and_the_dataset_is_reused():
    bench("--only", "home.secretary")
    lines = bench("--only", "home.secretary")
    assert not any(line["name"].startswith("build.") for line in lines)
    weights = [line for line in lines if line["name"] == "weight.home.secretary"]
    if any("p50_ms" in line for line in lines):
        assert weights and weights[0]["bytes"] > 1000


def test_a_url_that_does_not_exist_yet_is_an_error_line_not_a_crash(extra_scenarios):
    register("later.page", user="secretary", url="later:page")
    register("later.health", user="member", url="core:healthz")
    lines = bench("--only", "later.")
    assert lines[-2]["name"] == "later.page"
    assert "URL not available" in lines[-2]["error"]
    assert lines[-1]["name"] == "later.health" and lines[-1]["n"] == 2


def test_registering_a_name_twice_is_refused(extra_scenarios):
    with pytest.raises(ValueError, match="already registered"):
        register("home.secretary", user="secretary", url="core:home")


def test_page_weight_counts_local_css_and_ignores_external_urls():
    html = (
        '<link rel="stylesheet" href="/static/css/app.css">'
        '<script src="https://cdn.example/x.js"></script>'
    )
    assert runner.page_weight(html) > len(html)


def test_percentiles():
    assert runner.percentile([5.0], 95) == 5.0
    assert runner.percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)

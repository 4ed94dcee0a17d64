"""Time the scenarios server-side with django.test.Client and report JSON lines."""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.dataset import Dataset
from bench.scenarios import SCENARIOS, Scenario
from capuyso.accounts import services as account_services

WARMUP = 3
ASSET_RE = re.compile(
    r"""<(?:link[^>]+href|script[^>]+src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)


def session_client(user) -> Client:
    """A client signed in as `user`, with the second factor verified when they have one
    (the same thing capuyso.core.testing.login does for the test suite)."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def api_client(user) -> Client:
    _, raw = account_services.api_token_create(actor=None, user=user, name="bench")
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")


def percentile(samples: list[float], q: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q) - 1]


def page_weight(html: str) -> int:
    """Bytes of the HTML plus the local CSS/JS files it references."""
    total = len(html.encode())
    seen = set()
    for url in ASSET_RE.findall(html):
        if not url.startswith(settings.STATIC_URL) or url in seen:
            continue
        seen.add(url)
        path = finders.find(url[len(settings.STATIC_URL) :].split("?")[0])
        if path:
            total += os.path.getsize(path)
    return total


def _path(scenario: Scenario, dataset: Dataset) -> str:
    if scenario.url.startswith("/"):
        return scenario.url
    args = scenario.args(dataset) if scenario.args else []
    return reverse(scenario.url, args=args)


def run(dataset: Dataset, *, n: int = 50, only: str = "") -> Iterator[dict]:
    clients: dict[tuple[str, bool], Client] = {}
    for scenario in SCENARIOS:
        if only and not scenario.name.startswith(only):
            continue
        user = dataset.users.get(scenario.user)
        if user is None:
            yield {"name": scenario.name, "error": f"no benchmark user {scenario.user!r}"}
            continue
        try:
            path = _path(scenario, dataset)
        except NoReverseMatch as exc:
            yield {"name": scenario.name, "error": f"URL not available: {exc}"}
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. a URLconf that does not import yet
            yield {"name": scenario.name, "error": f"URLconf: {type(exc).__name__}: {exc}"}
            continue
        key = (scenario.user, scenario.api)
        if key not in clients:
            clients[key] = api_client(user) if scenario.api else session_client(user)
        client = clients[key]
        try:
            yield from _measure(scenario, client, path, n)
        except Exception as exc:  # noqa: BLE001 - report and go on with the next scenario
            yield {"name": scenario.name, "error": f"{type(exc).__name__}: {exc}"}


def _measure(scenario: Scenario, client: Client, path: str, n: int) -> Iterator[dict]:
    for _ in range(WARMUP):
        response = client.get(path, scenario.query)
    if response.status_code != 200:
        location = response.headers.get("Location", "")
        detail = f" → {location}" if location else ""
        yield {"name": scenario.name, "error": f"HTTP {response.status_code}{detail}", "path": path}
        return
    with CaptureQueriesContext(connection) as captured:
        client.get(path, scenario.query)
    queries = len(captured)  # now: the next request clears the connection's query log
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path, scenario.query)
        samples.append((time.perf_counter() - started) * 1000)
    yield {
        "name": scenario.name,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "n": n,
        "queries": queries,
    }
    if not scenario.api and "html" in response.headers.get("Content-Type", ""):
        html = response.content.decode(response.charset or "utf-8")
        yield {"name": f"weight.{scenario.name}", "bytes": page_weight(html)}

"""The secret ballot part of the benchmark: 500 voters on their phones, then the count.

    capuyso bench --scale commune --only ballots      # SQLite, its own file

The issue's targets: "500 voters cast a secret ballot within 60 s on SQLite, with no error
and no lost ballot" and "the tally of 500 ballots takes under 1 s". Lines:

- ballots.cast500: 500 voters, each with the Python client of the tests
  (capuyso/meetings/tests/ballot_client.py) through the Django test client, as a phone
  does it: the ballot's state and key (signed in), the blind signature (signed in), the
  cast (a client with no session); the signed-in client is one test client whose session
  cookie is swapped per voter. Seconds for the 500 voting journeys (their sign-ins
  are made beforehand and timed apart), errors, ballots stored, tokens issued, `lost`
  (voters whose ballot is not in the box), p50/p95 of one voter's journey in ms;
  `target_seconds` 60 and `pass` (no error, nothing lost, in time).
- ballots.tally500: the count of the 500 ballots as the close does it (every signature
  verified, receipts recomputed, the result with its arithmetic); `target_seconds` 1 and
  `pass` when the counts are right and in time.
- ballots.close500: the whole close (the count, the result stored, the private key
  deleted, the box and the roll rewritten), for information.

Decisions:
- Opt-in, like the other writing lines: they run with `--only ballots` (or one of the
  names), not with a plain run.
- The voters are made for the run: a cell of 500 full members with accounts (member role,
  unusable passwords: the clients sign in with force_login), a meeting of that cell where
  they are all present, a secret ballot opened by the dataset's committee secretary.
- Nothing stays behind: it all runs inside a transaction rolled back at the end.
- Choices are drawn with a fixed seed, so the expected counts are known and checked.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from django.utils import timezone

NAMES = ("ballots.cast500", "ballots.tally500", "ballots.close500")
API = "/api/v1"
VOTERS = 500
TARGET_CAST_SECONDS = 60.0
TARGET_TALLY_SECONDS = 1.0
SEED = 1945


class _Rollback(Exception):
    pass


def selected(only: str) -> bool:
    """Opt-in: only `--only ballots…` runs these lines."""
    return only.startswith("ballots") and any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The ballot lines selected by `only`, for the bench command (`n` is not used: one
    ballot of 500 voters is the measurement)."""
    if not selected(only):
        return
    yield from run(
        committee=dataset.committee,
        chair=dataset.users.get("secretary"),
        only=only,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def _voters(committee, count: int, stamp: str):
    """A new cell of `count` full members, each with an account holding the member role."""
    from capuyso.accounts.models import User
    from capuyso.accounts.roles import Role
    from capuyso.core.text import fold
    from capuyso.members.models import Member
    from capuyso.org import services as org_services
    from capuyso.org.models import Position, Unit

    cell = org_services.unit_create(
        actor=None,
        committee=committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name=f"Chi bộ bỏ phiếu thử {stamp}",
    )
    people = [f"Đảng viên bỏ phiếu {number:03d}" for number in range(1, count + 1)]
    members = Member.objects.bulk_create(
        [
            Member(
                committee=committee,
                cell=cell,
                full_name=name,
                full_name_folded=fold(name),
                sex=Member.Sex.MALE,
                date_of_birth=dt.date(1970, 1, 1),
                admission_date=dt.date(2000, 1, 1),
                full_membership_date=dt.date(2001, 1, 1),
                status=Member.Status.FULL,
            )
            for name in people
        ]
    )
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                committee=committee,
                username=f"bench-voter-{stamp}-{index:03d}",
                full_name=member.full_name,
                full_name_folded=member.full_name_folded,
                member=member,
                password=unusable,
            )
            for index, member in enumerate(members, start=1)
        ]
    )
    Position.objects.bulk_create(
        [Position(committee=committee, user=user, role=Role.MEMBER, unit=cell) for user in users]
    )
    return cell, list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))


def run(
    *,
    committee,
    chair,
    voters: int = VOTERS,
    only: str = "ballots",
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    if committee is None or chair is None:
        for name in NAMES:
            if name.startswith(only):
                yield {"name": name, "error": "no benchmark committee"}
        return
    lines: list[dict] = []
    try:
        with transaction.atomic():
            lines = _measure(committee, chair, voters, log)
            raise _Rollback
    except _Rollback:
        pass
    # The three lines come from one run: `--only ballots.tally500` still casts the ballots.
    yield from (line for line in lines if line["name"].startswith(only))


def _measure(committee, chair, voters: int, log) -> list[dict]:
    from capuyso.meetings.models import Attendance, Meeting, Vote
    from capuyso.meetings.models_ballots import Ballot, VoterRoll
    from capuyso.meetings.services import ballots as services
    from capuyso.meetings.tests.ballot_client import Voter

    stamp = timezone.now().strftime("%H%M%S")
    log(f"ballots: {voters} voters")
    cell, users = _voters(committee, voters, stamp)
    meeting = Meeting.objects.create(
        committee=committee,
        unit=cell,
        kind=Meeting.Kind.CELL_REGULAR,
        title="Sinh hoạt chi bộ (benchmark bỏ phiếu kín)",
        starts_at=timezone.now(),
        place="Hội trường",
        status=Meeting.Status.IN_PROGRESS,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, member_id=user.member_id, status=Attendance.Status.PRESENT)
            for user in users
        ]
    )
    vote = services.ballot_create(
        actor=chair, meeting=meeting, question="Kết nạp quần chúng (benchmark)"
    )
    vote = services.ballot_open(actor=chair, vote=vote)
    rng = random.Random(SEED)  # noqa: S311 - test data
    choices = [rng.choice(services.CHOICES) for _ in users]
    expected = {choice: choices.count(choice) for choice in services.CHOICES}

    # One signed-in client whose session cookie is swapped voter by voter: a new test
    # client per voter would load the middleware (and WhiteNoise's file scan) each time,
    # which is the test harness's cost, not the server's.
    started = time.monotonic()
    sessions = []
    for user in users:
        login = Client(HTTP_HOST="localhost")  # force_login makes the session, no request
        login.force_login(user)
        sessions.append(login.cookies[settings.SESSION_COOKIE_NAME].value)
    signed = Client(HTTP_HOST="localhost")
    sign_in_seconds = time.monotonic() - started
    log(f"ballots: {voters} sign-ins in {sign_in_seconds:.1f} s; voting")

    anonymous = Client(HTTP_HOST="localhost")
    errors: list[str] = []
    journeys: list[float] = []
    started = time.monotonic()
    for session, choice in zip(sessions, choices, strict=True):
        begun = time.perf_counter()
        signed.cookies[settings.SESSION_COOKIE_NAME] = session
        phone = Voter(api=API, vote_code=str(vote.code))
        try:
            response = phone.vote(signed, anonymous, choice)
            if response.status_code != 200:
                errors.append(f"cast {response.status_code}: {response.json().get('code')}")
        except AssertionError as exc:  # a refused state or signature request
            errors.append(str(exc)[:200])
        journeys.append((time.perf_counter() - begun) * 1000)
    cast_seconds = time.monotonic() - started
    stored = Ballot.objects.filter(vote=vote).count()
    issued = VoterRoll.objects.filter(vote=vote).count()
    lost = voters - stored
    cast_line = {
        "name": "ballots.cast500",
        "voters": voters,
        "seconds": round(cast_seconds, 2),
        "sign_in_seconds": round(sign_in_seconds, 2),
        "p50_ms": round(statistics.median(journeys), 1),
        "p95_ms": round(sorted(journeys)[int(len(journeys) * 0.95) - 1], 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "ballots": stored,
        "issued": issued,
        "lost": lost,
        "target_seconds": TARGET_CAST_SECONDS,
        "pass": not errors and lost == 0 and cast_seconds < TARGET_CAST_SECONDS,
    }
    log(f"ballots: cast in {cast_seconds:.1f} s")

    locked = Vote.objects.select_related("meeting", "meeting__unit", "rule").get(pk=vote.pk)
    started = time.perf_counter()
    tally = services.count_ballots(locked)
    result = services.compute_result(locked, tally)
    tally_seconds = time.perf_counter() - started
    tally_line = {
        "name": "ballots.tally500",
        "ballots": tally.ballots,
        "seconds": round(tally_seconds, 3),
        "counts": result["counts"],
        "expected": expected,
        "target_seconds": TARGET_TALLY_SECONDS,
        "pass": result["counts"] == expected
        and not tally.problems
        and tally_seconds < TARGET_TALLY_SECONDS,
    }

    started = time.perf_counter()
    closed = services.ballot_close(actor=chair, vote=vote)
    close_seconds = time.perf_counter() - started
    close_line = {
        "name": "ballots.close500",
        "seconds": round(close_seconds, 3),
        "matches": closed.result["ballots"]["matches"],
        "counts": closed.result["counts"],
    }
    return [cast_line, tally_line, close_line]

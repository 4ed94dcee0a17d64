"""After a secret ballot closes, nothing stored links a voter to a choice.

The test runs a ballot with several voters (with the refusals a real meeting produces:
a replayed token, a forged one, a member not eligible), closes it, then reads as an
administrator would: every table of the database row by row, the physical order of the
roll and the box, every log record emitted during the ballot, the audit trail and the
stored files.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import base64
import logging
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from capuyso.audit.models import AuditEvent
from capuyso.meetings import ballot_privacy
from capuyso.meetings.models_ballots import Ballot, VoterRoll
from capuyso.meetings.services import ballots as services
from capuyso.meetings.tests.ballot_client import Voter, b64
from capuyso.meetings.tests.ballot_factories import ballot_scene
from capuyso.meetings.tests.test_ballots import API, signed_in

pytestmark = pytest.mark.django_db

CHOICES = ["against", "for", "abstain", "for", "against", "for"]
ID_COLUMNS = ("user_id", "member_id", "actor_id", "created_by_id", "recorded_by_id")


def _text(value) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return f"{value} {value.hex}"
    return str(value)


def every_row():
    """(table, {column: value}) for every row of every table of the database."""
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                yield table, dict(zip(columns, row, strict=True))


def physical_order(table: str, column: str) -> list:
    position = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {connection.ops.quote_name(table)} ORDER BY {position}"  # noqa: S608
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def ballot_run(cast, caplog):
    """A closed ballot of six voters, voting in order, with the usual refusals; returns
    (scene, phones, log records)."""
    caplog.set_level(logging.DEBUG)
    scene = ballot_scene(cast, voters=len(CHOICES))
    phones = []
    for user, choice in zip(scene.voters, CHOICES, strict=True):
        phone = Voter(api=API, vote_code=str(scene.vote.code))
        client = signed_in(user)
        phone.state(client)
        response = phone.request_signature(client)
        phone.blind_sig = response.json()["blind_sig"]
        phone.take_signature(phone.blind_sig)
        assert phone.cast(Client(), choice).status_code == 200
        phones.append(phone)
    # The refusals of a real meeting, each of which Django would log.
    assert phones[0].cast(Client(), "for").status_code == 409  # replayed token
    forged = Voter(api=API, vote_code=str(scene.vote.code), n=phones[0].n, e=phones[0].e)
    forged.signature = phones[1].signature  # someone else's signature on a new token
    assert forged.cast(Client(), "for").status_code == 400
    intruder = Voter(api=API, vote_code=str(scene.vote.code))
    intruder_client = signed_in(scene.probationary)
    intruder.state(intruder_client)
    assert intruder.request_signature(intruder_client).status_code == 403
    services.ballot_close(actor=cast.cell_secretary, vote=scene.vote)
    return scene, phones, list(caplog.records)


def voter_identifiers(scene):
    """What identifies a voter: account and member file ids, codes, user names, names."""
    strings, numbers = set(), set()
    for user in [*scene.voters, scene.probationary]:
        member = user.member
        strings |= {user.username, str(user.code), user.code.hex, str(member.code)}
        strings |= {member.code.hex, member.full_name, member.full_name_folded}
        numbers |= {user.pk, member.pk}
    return strings, numbers


def ballot_secrets(phones):
    """Everything that would tie a ballot (and so its choice) to whoever holds it."""
    values = set()
    for phone in phones:
        for raw in (phone.token, phone.signature, phone.blinded, base64.b64decode(phone.blind_sig)):
            values |= {raw.hex(), b64(raw)}
        values.add(phone.receipt)
        values.add(services.receipt_display(phone.receipt))
    for ballot_id in Ballot.objects.values_list("id", flat=True):
        values |= {str(ballot_id), ballot_id.hex}
    return values


def identifies_voter(row: dict, strings, numbers) -> bool:
    for column, value in row.items():
        if value is None:
            continue
        if column.endswith(ID_COLUMNS) and value in numbers:
            return True
        text = _text(value)
        if any(identifier in text for identifier in strings):
            return True
    return False


def test_no_row_of_any_table_links_a_voter_to_a_ballot(ballot_run):
    scene, phones, _records = ballot_run
    strings, numbers = voter_identifiers(scene)
    secrets = ballot_secrets(phones)
    ballot_table = Ballot._meta.db_table
    tables_seen = set()
    found_voters = 0
    for table, row in every_row():
        tables_seen.add(table)
        text = " ".join(_text(value) for value in row.values())
        carries_secret = any(secret in text for secret in secrets)
        if table == ballot_table:
            assert not identifies_voter(row, strings, numbers), row
            continue
        if identifies_voter(row, strings, numbers) or (
            table in ("accounts_user", "members_member") and row.get("id") in numbers
        ):
            found_voters += 1
            assert not carries_secret, (table, row)
        # A ballot's token, signature, receipt or id appears nowhere but in the box.
        assert not carries_secret, (table, row)
    assert {ballot_table, VoterRoll._meta.db_table, AuditEvent._meta.db_table} <= tables_seen
    assert found_voters >= 3 * len(CHOICES)  # the check did see the voters' rows


def test_the_box_and_the_roll_keep_no_voter_time_or_order(ballot_run):
    scene, phones, _records = ballot_run
    columns = {f.column for f in Ballot._meta.concrete_fields}
    assert columns == {"id", "vote_id", "receipt", "token", "signature", "choice"}
    roll_columns = {f.column for f in VoterRoll._meta.concrete_fields}
    assert roll_columns == {"id", "vote_id", "member_id", "blinded_hash"}
    # Rewritten at close: the box in receipt order, the roll in member order.
    receipts = physical_order(Ballot._meta.db_table, "receipt")
    assert receipts == sorted(phone.receipt for phone in phones)
    members = physical_order(VoterRoll._meta.db_table, "member_id")
    assert members == sorted(user.member_id for user in scene.voters)
    assert not VoterRoll.objects.exclude(blinded_hash="").exists()
    # The order voters cast in (their choices, in turn) is not the stored order.
    stored = dict(Ballot.objects.values_list("receipt", "choice"))
    assert [stored[phone.receipt] for phone in phones] == CHOICES


def test_the_logs_say_nothing_of_ballots_or_of_the_anonymous_requests(ballot_run):
    scene, phones, records = ballot_run
    strings, _numbers = voter_identifiers(scene)
    secrets = ballot_secrets(phones)
    cast_path = f"/ballots/{scene.vote.code}/cast"
    for record in records:
        message = record.getMessage()
        assert cast_path not in message, message
        assert not any(secret in message for secret in secrets), message
        request = getattr(record, "request", None)
        assert not ballot_privacy.is_anonymous_path(getattr(request, "path", "")), message
        if any(identifier in message for identifier in strings):
            assert not any(choice in message.split() for choice in ("for", "against")), message
    # The refused signature request of the signed-in intruder was logged as usual.
    assert any("/sign" in record.getMessage() for record in records)


def test_the_audit_trail_records_the_ballot_not_the_voters(ballot_run):
    scene, _phones, _records = ballot_run
    events = AuditEvent.objects.filter(object_id=str(scene.vote.code)).order_by("seq")
    voters = {user.pk for user in scene.voters}
    assert not events.filter(actor_id__in=voters).exists()
    assert all(event.actor_id == scene.vote.created_by_id for event in events)
    close = [e for e in events if "private_key" in e.changes][0]
    assert close.changes["ballots"][1] == {"issued": len(CHOICES), "collected": len(CHOICES)}


def test_the_anonymous_paths_are_filtered_from_request_logs():
    path_filter = ballot_privacy.AnonymousEndpointFilter()
    code = uuid.uuid4()

    class Request:
        path = f"/api/v1/ballots/{code}/cast"

    cast_record = logging.LogRecord(
        "django.request", 30, "", 0, "Conflict: %s", (Request.path,), None
    )
    cast_record.request = Request()
    server_line = logging.LogRecord(
        "django.server",
        20,
        "",
        0,
        '"%s" %s %s',
        (f"POST {Request.path} HTTP/1.1", "200", "40"),
        None,
    )
    sign_line = logging.LogRecord(
        "django.request", 30, "", 0, "Forbidden: %s", (f"/api/v1/ballots/{code}/sign",), None
    )

    assert not path_filter.filter(cast_record)
    assert not path_filter.filter(server_line)
    assert path_filter.filter(sign_line)
    assert ballot_privacy.is_anonymous_path(f"/api/v1/ballots/{code}/receipt")


def test_gunicorn_writes_no_access_line_for_a_cast(monkeypatch):
    logger = ballot_privacy.GunicornAccessLogger.__new__(ballot_privacy.GunicornAccessLogger)
    lines = []
    monkeypatch.setattr(
        ballot_privacy._GunicornLogger, "access", lambda self, *args: lines.append(args[2])
    )

    logger.access(None, None, {"PATH_INFO": f"/api/v1/ballots/{uuid.uuid4()}/cast"}, 0)
    logger.access(None, None, {"PATH_INFO": "/meetings/"}, 0)

    assert lines == [{"PATH_INFO": "/meetings/"}]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_rewrites_the_tables_files_after_the_close(cast, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL=postgres://…)")
    scene = ballot_scene(cast, voters=3, extras=False)
    for user in scene.voters:
        phone = Voter(api=API, vote_code=str(scene.vote.code))
        phone.vote(signed_in(user), Client(), "for")

    def files():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, relfilenode FROM pg_class WHERE relname IN (%s, %s)",
                [Ballot._meta.db_table, VoterRoll._meta.db_table],
            )
            return dict(cursor.fetchall())

    before = files()
    services.ballot_close(actor=cast.cell_secretary, vote=scene.vote)  # commits: on_commit runs

    after = files()
    assert set(after) == set(before) == {Ballot._meta.db_table, VoterRoll._meta.db_table}
    assert all(after[table] != before[table] for table in before)  # VACUUM FULL: new files
    assert "could not be compacted" not in caplog.text


def test_no_file_holds_a_ballot(ballot_run, settings):
    _scene, phones, _records = ballot_run
    secrets = ballot_secrets(phones)
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret.encode() in content for secret in secrets), path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from capuyso.audit.models import AuditEvent, ChainHead
from capuyso.audit.services import Verb, audit_record, audit_verify


def test_cast_creation_leaves_an_intact_chain_per_committee(cast):
    assert AuditEvent.objects.filter(committee=cast.committee).exists()
    assert audit_verify() == []
    call_command("audit_verify")


def test_edited_row_is_named_by_audit_verify(cast):
    victim = AuditEvent.objects.filter(committee=cast.committee).order_by("seq")[3]
    AuditEvent.objects.filter(pk=victim.pk).update(object_label="sửa trộm")
    problems = audit_verify()
    assert len(problems) == 1
    assert problems[0].row_id == victim.pk
    assert problems[0].reason == "content altered"
    with pytest.raises(CommandError, match=f"row id={victim.pk}"):
        call_command("audit_verify")


def test_edited_changes_json_is_caught(cast):
    victim = AuditEvent.objects.filter(committee=cast.committee).exclude(changes={}).first()
    AuditEvent.objects.filter(pk=victim.pk).update(changes={"name": [None, "khác"]})
    assert audit_verify()[0].row_id == victim.pk


def test_removed_middle_row_is_caught(cast):
    rows = list(AuditEvent.objects.filter(committee=cast.committee).order_by("seq"))
    rows[5].delete()
    problem = audit_verify()[0]
    assert problem.row_id == rows[6].pk
    assert "missing" in problem.reason


def test_removed_newest_row_is_caught_by_the_head(cast):
    newest = AuditEvent.objects.filter(committee=cast.committee).order_by("-seq").first()
    newest.delete()
    problem = audit_verify()[0]
    assert "removed" in problem.reason


def test_rehashing_without_the_key_does_not_help(cast, settings):
    victim = AuditEvent.objects.filter(committee=cast.committee).order_by("seq").first()
    settings.AUDIT_CHAIN_KEY = "attacker-guess"
    from capuyso.audit.services import compute_hash

    row = AuditEvent.objects.filter(pk=victim.pk).values().get()
    row["object_label"] = "giả mạo"
    forged = compute_hash(row)
    settings.AUDIT_CHAIN_KEY = ""
    AuditEvent.objects.filter(pk=victim.pk).update(object_label="giả mạo", hash=forged)
    assert audit_verify()[0].row_id == victim.pk


def test_event_records_actor_ip_and_links_to_previous(cast):
    head_before = ChainHead.objects.get(chain=cast.committee.pk)
    event = audit_record(actor=cast.clerk, verb=Verb.VIEW, obj=cast.cell, ip="10.0.0.7", changes={})
    assert event.prev_hash == head_before.hash
    assert event.seq == head_before.seq + 1
    assert event.ip == "10.0.0.7"
    assert event.actor_label == "Đỗ Thị Lan (vanthu)"
    assert event.object_id == str(cast.cell.code)
    assert audit_verify() == []


def test_ipv6_addresses_survive_the_round_trip(cast):
    audit_record(actor=cast.clerk, verb=Verb.VIEW, obj=cast.cell, ip="2001:DB8:0:0:0:0:0:1")
    assert AuditEvent.objects.latest("id").ip == "2001:db8::1"
    assert audit_verify() == []


def test_junk_addresses_are_not_stored(cast):
    event = audit_record(actor=cast.clerk, verb=Verb.VIEW, obj=cast.cell, ip="unknown")
    assert event.ip is None
    assert audit_verify() == []


def test_rows_appended_after_the_head_was_read_are_not_a_false_alarm(cast, monkeypatch):
    from capuyso.audit import services

    real_check = services._check_chain

    def check_while_someone_appends(chain, head):
        if chain == cast.committee.pk:
            audit_record(actor=cast.clerk, verb=Verb.VIEW, obj=cast.cell)
        return real_check(chain, head)

    monkeypatch.setattr(services, "_check_chain", check_while_someone_appends)
    assert audit_verify() == []

"""Append to and verify the tamper-evident audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from capuyso.audit.context import current_ip
from capuyso.audit.models import AuditEvent, ChainHead

GENESIS = "0" * 64
Verb = AuditEvent.Verb


def _key() -> bytes:
    return (getattr(settings, "AUDIT_CHAIN_KEY", "") or settings.SECRET_KEY).encode()


def _jsonable(value: Any) -> Any:
    """Normalise a value to what a JSON column gives back, so hashes survive the round trip."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def normalise_ip(value: str | None) -> str | None:
    """The address as the database stores it (IPv6 compressed), or None when not an address."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6:
        return clean_ipv6_address(str(address))
    return str(address)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(row: dict[str, Any]) -> str:
    payload = {
        "chain": row["chain"],
        "seq": row["seq"],
        "committee": row["committee_id"],
        "time": _timestamp(row["created_at"]),
        "actor": row["actor_id"],
        "actor_label": row["actor_label"],
        "verb": row["verb"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "object_label": row["object_label"],
        "changes": row["changes"],
        "ip": row["ip"],
        "prev": row["prev_hash"],
    }
    message = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def object_ref(obj: models.Model) -> tuple[str, str, str]:
    code = getattr(obj, "code", None)
    return obj._meta.label_lower, str(code if code is not None else obj.pk), str(obj)[:255]


def _locked_head(chain: int) -> ChainHead:
    try:
        return ChainHead.objects.select_for_update().get(chain=chain)
    except ChainHead.DoesNotExist:
        try:
            with transaction.atomic():
                ChainHead.objects.create(chain=chain)
        except IntegrityError:
            pass  # another transaction created it first
        return ChainHead.objects.select_for_update().get(chain=chain)


def audit_record(
    *,
    actor,
    verb: str,
    obj: models.Model | None = None,
    committee=None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event. Runs in the caller's transaction so it commits or rolls back with it."""
    if obj is not None:
        object_type, object_id, object_label = object_ref(obj)
        if committee is None:
            committee = _committee_of(obj)
    if committee is None and actor is not None and getattr(actor, "committee_id", None):
        committee_id = actor.committee_id
    else:
        committee_id = committee.pk if committee is not None else None
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_label = ""
    if actor_id is not None:
        actor_label = f"{actor.get_full_name()} ({actor.get_username()})"[:160]
    chain = committee_id or 0
    with transaction.atomic():
        head = _locked_head(chain)
        row = {
            "chain": chain,
            "seq": head.seq + 1,
            "committee_id": committee_id,
            "created_at": timezone.now(),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "verb": verb,
            "object_type": object_type,
            "object_id": object_id,
            "object_label": object_label[:255],
            "changes": _jsonable(changes or {}),
            "ip": normalise_ip(ip if ip is not None else current_ip.get()),
            "prev_hash": head.hash,
        }
        row["hash"] = compute_hash(row)
        event = AuditEvent.objects.create(**row)
        head.seq = row["seq"]
        head.hash = row["hash"]
        head.save(update_fields=["seq", "hash"])
    return event


def _committee_of(obj: models.Model):
    from capuyso.org.models import Committee

    if isinstance(obj, Committee):
        return obj
    committee_id = getattr(obj, "committee_id", None)
    if committee_id is None:
        return None
    return Committee(pk=committee_id)


# --- Diffs ----------------------------------------------------------------------------


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, in a JSON-friendly form (FKs by their string)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.is_relation:
            related = getattr(obj, name)
            values[name] = str(related) if related is not None else None
        else:
            value = getattr(obj, name)
            display = getattr(obj, f"get_{name}_display", None)
            values[name] = display() if display and value else value
    return _jsonable(values)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in after
        if before.get(name) != after.get(name)
    }


def created(obj: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in snapshot(obj, fields).items()}


# --- Verification ----------------------------------------------------------------------


@dataclass
class ChainProblem:
    chain: int
    seq: int
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row id={self.row_id}" if self.row_id is not None else "no row"
        return f"chain {self.chain}, seq {self.seq} ({where}): {self.reason}"


def _check_chain(chain: int, head: ChainHead | None) -> ChainProblem | None:
    fields = [
        "id",
        "chain",
        "seq",
        "committee_id",
        "created_at",
        "actor_id",
        "actor_label",
        "verb",
        "object_type",
        "object_id",
        "object_label",
        "changes",
        "ip",
        "prev_hash",
        "hash",
    ]
    expected_seq = 1
    prev = GENESIS
    rows = AuditEvent.objects.filter(chain=chain).order_by("seq")
    if head is not None:
        # Rows appended after the head was read belong to the next check.
        rows = rows.filter(seq__lte=head.seq)
    rows = rows.values(*fields)
    for row in rows.iterator(chunk_size=2000):
        if row["seq"] != expected_seq:
            return ChainProblem(
                chain, expected_seq, row["id"], f"row(s) missing before seq {row['seq']}"
            )
        if row["prev_hash"] != prev:
            return ChainProblem(chain, row["seq"], row["id"], "link to the previous row broken")
        if compute_hash(row) != row["hash"]:
            return ChainProblem(chain, row["seq"], row["id"], "content altered")
        prev = row["hash"]
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return ChainProblem(chain, last_seq, None, "chain head missing")
        return None
    if head.seq != last_seq or head.hash != prev:
        return ChainProblem(
            chain,
            head.seq,
            None,
            f"newest row(s) removed: head at {head.seq}, rows end at {last_seq}",
        )
    return None


def audit_verify(chains: Iterable[int] | None = None) -> list[ChainProblem]:
    """Check every chain (or the given ones); return the first problem of each broken chain."""
    heads = {h.chain: h for h in ChainHead.objects.all()}
    if chains is None:
        chains = set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    problems = []
    for chain in sorted(chains):
        problem = _check_chain(chain, heads.get(chain))
        if problem:
            problems.append(problem)
    return problems

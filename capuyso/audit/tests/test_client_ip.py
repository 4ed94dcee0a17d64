from django.test import RequestFactory

from capuyso.audit.middleware import client_ip


def make(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = frozenset()
    assert client_ip(make("198.51.100.4", "10.9.9.9")) == "198.51.100.4"


def test_trusted_proxy_forwards_the_client(settings):
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    assert client_ip(make("127.0.0.1", "203.0.113.7")) == "203.0.113.7"


def test_spoofed_left_entries_are_not_believed(settings):
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    assert client_ip(make("127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"


def test_untrusted_peer_cannot_claim_an_address(settings):
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    assert client_ip(make("198.51.100.4", "203.0.113.7")) == "198.51.100.4"


def test_the_audit_row_records_the_forwarded_client(cast, client_for, settings):
    from capuyso.audit.models import AuditEvent
    from capuyso.core.testing import make_member

    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    member = make_member(cast.committee, cast.cell, "Trần Văn An")
    client_for(cast.secretary).get(
        f"/members/{member.code}/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert AuditEvent.objects.get(verb="view", object_id=str(member.code)).ip == "203.0.113.7"

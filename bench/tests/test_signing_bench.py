import pytest

from bench import signing
from capuyso.signing import pdf, softhsm
from capuyso.signing.models import Signature

pytestmark = pytest.mark.django_db


def test_signing_lines_are_opt_in():
    assert not signing.selected("")  # a plain `capuyso bench` times the pages only
    assert not signing.selected("documents.")
    assert signing.selected("signing")
    assert signing.selected("signing.verify")


@pytest.mark.skipif(not softhsm.available(), reason="SoftHSM2 not installed")
def test_every_signing_line_measures_on_a_small_run_and_leaves_nothing_behind(cast):
    lines = {
        line["name"]: line
        for line in signing.run(
            committee=cast.committee,
            signer=cast.secretary,
            clerk=cast.clerk,
            n=1,
            batch=1,
            pages=2,
            warmup=0,
            converter="weasyprint",  # the fallback, and faster than starting LibreOffice
        )
    }

    assert list(lines) == list(signing.NAMES)
    assert all("error" not in line for line in lines.values()), lines
    document = lines["signing.document"]
    assert document["source"] == "weasyprint"
    assert document["pages"] >= 2 and document["number_fields"] is True
    for name, level in (
        ("signing.sign_softhsm", "PAdES-B-B"),
        ("signing.sign_pkcs12", "PAdES-B-B"),
        ("signing.sign_b_t", "PAdES-B-T"),
    ):
        line = lines[name]
        assert line["max_ms"] >= line["p95_ms"] >= line["p50_ms"] > 0 and line["n"] == 1
        assert line["level"] == level
    assert lines["signing.sign_softhsm"]["target_p95_ms"] == 300
    assert lines["signing.sign_b_t"]["tsa_requests_per_signature"] > 0
    verify = lines["signing.verify"]
    assert verify["verdict"] == "valid" and verify["signatures"] == 3
    batch = lines["signing.batch50"]
    assert (batch["documents"], batch["signed"], batch["errors"]) == (1, 1, 0)
    assert "pass" in batch and batch["target_seconds"] == 20
    # The batch ran in a transaction that was rolled back.
    assert not Signature.objects.exists()


def test_a_dataset_without_the_signing_accounts_gives_error_lines():
    lines = list(signing.run(committee=None, signer=None, clerk=None, only="signing.verify", n=1))
    assert [line["name"] for line in lines] == ["signing.document", "signing.verify"]
    assert all("secretary" in line["error"] for line in lines)


def test_a_tsa_gets_one_timestamper_whose_size_estimate_is_reused():
    # pyHanko asks a new timestamper's TSA for a dummy token to size the signature; reusing
    # the timestamper spares every B-T signature that second round trip.
    first = pdf._timestamper("http://127.0.0.1:9/tsa")
    assert pdf._timestamper("http://127.0.0.1:9/tsa") is first
    assert pdf._timestamper("http://127.0.0.1:9/other") is not first
    assert pdf._timestamper("") is None

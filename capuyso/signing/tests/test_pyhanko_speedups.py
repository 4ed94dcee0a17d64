"""The pyHanko speed-ups (capuyso.signing.pyhanko_speedups): the fast hex-string reader gives
exactly what pyHanko's own reader gives, on real signed files and on unusual input; it is
only installed on pyHanko 0.38.x; and verification releases the parsed file when it is done."""

from __future__ import annotations

import io
import random
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from capuyso.signing import pdf, pyhanko_speedups
from capuyso.signing.tests import signed_pdfs as pdfs

fast = pyhanko_speedups.read_hex_string_from_stream
original = pyhanko_speedups.original_read_hex_string_from_stream


def outcome(reader, data: bytes, at: int):
    """What `reader` makes of the hex string at `at`: the value (its type, bytes, and the
    text and encoding a text string gets) or the exception, and where the stream is left."""
    stream = io.BytesIO(data)
    stream.seek(at)
    try:
        value = reader(stream)
    except Exception as exc:  # noqa: BLE001 - the exception is part of the result
        return ("raised", type(exc), str(exc), stream.tell())
    return (
        type(value),
        value.original_bytes,
        str(value) if isinstance(value, generic.TextStringObject) else None,
        getattr(value, "autodetected_encoding", None),
        stream.tell(),
    )


@pytest.fixture(scope="module")
def signer(dev_pki):
    return dev_pki.issue("Nguyễn Văn An", organization="Đảng ủy xã Phù Cát")


@pytest.fixture(scope="module")
def signed_files(signer, dev_pki, tsa_server) -> list[bytes]:
    """Real files: one signature; B-T then a second signature; a document timestamp."""
    from pyhanko.sign.signers import PdfTimeStamper

    one = pdfs.sign(pdfs.document(), signer)
    seal = dev_pki.issue("Đảng ủy xã Phù Cát", organization="Đảng ủy xã Phù Cát")
    stamper = pdfs.http_timestamper(tsa_server)
    two = pdfs.sign(pdfs.document(pages=3), signer, timestamper=stamper)
    two = pdfs.sign(two, seal, field="capuyso_con_dau")
    writer = IncrementalPdfFileWriter(io.BytesIO(one), strict=False)
    stamped = PdfTimeStamper(stamper).timestamp_pdf(writer, "sha256").getvalue()
    return [one, two, stamped]


def test_it_is_installed_on_this_pyhanko():
    assert pyhanko_speedups.supported()
    assert pyhanko_speedups.applied()
    assert generic.read_hex_string_from_stream is fast


def test_every_hex_string_of_real_signed_files_reads_the_same(signed_files):
    contents = 0
    for data in signed_files:
        # Every "<" that is not part of "<<": the hex strings (IDs, signature /Contents) and
        # whatever bytes of compressed streams happen to look like one.
        for match in re.finditer(rb"(?<!<)<(?!<)", data):
            at = match.start()
            got = outcome(fast, data, at)
            assert got == outcome(original, data, at), at
            if got[0] is not generic.TextStringObject and data[at - 10 : at].endswith(
                b"/Contents "
            ):
                contents += 1
    assert contents >= 4  # the signatures' /Contents were among them


def test_a_signature_s_contents_read_fast_are_its_cms_container_and_padding(signed_files):
    from asn1crypto import cms

    for data in signed_files:
        for embedded in PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures:
            raw = embedded.sig_object.raw_get("/Contents").original_bytes
            container = cms.ContentInfo.load(raw).dump()
            assert cms.ContentInfo.load(raw)["content_type"].native == "signed_data"
            assert raw.startswith(container) and not raw[len(container) :].strip(b"\0")


def test_verification_reports_the_same_with_pyhanko_s_own_reader(signed_files, dev_pki):
    trust = pdfs.trust(dev_pki.root)
    fast_reports = [pdf.verify(data, trust) for data in signed_files]
    pyhanko_speedups.remove()
    try:
        own_reports = [pdf.verify(data, trust) for data in signed_files]
    finally:
        assert pyhanko_speedups.apply()
    assert fast_reports == own_reports
    assert [r["verdict"] for r in fast_reports] == ["valid", "valid", "valid"], fast_reports


@pytest.mark.parametrize(
    "text",
    [
        b"<>",
        b"<48656c6c6f>",
        b"<48656C6C6F>",
        b"<4865 6c\n6c\r\n6f\t\f\x00>",
        b"<48656c6c6>",  # odd: a final 0 is implied
        b"<7>",
        b"<FEFF0041>",  # a UTF-16 text string
        b"<EFBBBF41>",  # UTF-8 with its mark
        b"<48 % a comment > with a bracket\n65>",
        b"<48%comment\r65>",
        b"<4G>",
        b"<48 x 65>",
        b"<48656c",  # never closed
        b"<",
        b"<48>>",
        b"<30313233> trailing /Name 12 0 R",
    ],
)
def test_unusual_hex_strings_read_the_same(text):
    for at, data in ((0, text), (7, b"garbage" + text)):
        assert outcome(fast, data, at) == outcome(original, data, at)


def test_a_hex_string_longer_than_a_read_chunk_reads_the_same():
    digits = bytes(random.Random(7).choice(b"0123456789abcdefABCDEF") for _ in range(70001))
    for data in (b"<" + digits + b">", b"<" + digits[:40000] + b"\n" + digits[40000:] + b"> x"):
        assert outcome(fast, data, 0) == outcome(original, data, 0)


def test_random_hex_like_input_reads_the_same():
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%>gx<"
    generator = random.Random(2026)
    for _ in range(3000):
        data = b"<" + bytes(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        assert outcome(fast, data, 0) == outcome(original, data, 0), data


@pytest.mark.parametrize("version", ["0.39.0", "0.37.1", "1.0.0", ""])
def test_another_pyhanko_version_keeps_pyhanko_s_own_reader(monkeypatch, version):
    assert not pyhanko_speedups.supported(version)
    monkeypatch.setattr(pyhanko_speedups, "pyhanko_version", lambda: version)
    pyhanko_speedups.remove()
    try:
        assert pyhanko_speedups.apply() is False
        assert generic.read_hex_string_from_stream is original
        assert not pyhanko_speedups.applied()
    finally:
        monkeypatch.undo()
        assert pyhanko_speedups.apply()
    assert generic.read_hex_string_from_stream is fast


def test_applying_twice_changes_nothing():
    assert pyhanko_speedups.apply() and pyhanko_speedups.apply()
    assert pyhanko_speedups.original_read_hex_string_from_stream is original
    assert original.__module__ == "pyhanko.pdf_utils.generic"


def test_verification_releases_the_parsed_file(signed_files, dev_pki, monkeypatch):
    readers = []
    open_pdf = pdf._reader_bytes

    def keep(data):
        readers.append(open_pdf(data))
        return readers[-1]

    monkeypatch.setattr(pdf, "_reader_bytes", keep)
    data = signed_files[1]  # two signatures: the first one's changes are analysed
    report = pdf.verify(data, pdfs.trust(dev_pki.root))
    assert report["verdict"] == "valid", report
    (reader,) = readers
    assert reader.resolved_objects == {}
    assert reader._historical_resolver_cache == {}
    # Released is not broken: the same file checks the same again.
    assert pdf.verify(data, pdfs.trust(dev_pki.root)) == report


def test_a_released_reader_still_reads_when_asked_again(signed_files):
    reader = PdfFileReader(io.BytesIO(signed_files[1]), strict=False)
    before = [(s.field_name, s.pkcs7_content) for s in reader.embedded_signatures]
    reader.get_historical_resolver(0).root  # noqa: B018 - fills a revision's cache
    pyhanko_speedups.release(reader)
    assert reader.resolved_objects == {} and reader._historical_resolver_cache == {}
    assert [(s.field_name, s.pkcs7_content) for s in reader.embedded_signatures] == before

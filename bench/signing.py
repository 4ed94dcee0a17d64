"""The signing part of the benchmark: PAdES signing and verification of a 10-page document.

    capuyso bench --scale tiny --only signing.     # or --only signing.verify, …

The issue's targets, "timed on a 10-page PDF": signing with a token (SoftHSM here) under
300 ms p95, verification under 200 ms p95, a batch of 50 documents under 20 s. Lines:

- signing.document: the document everything signs — a Party-layout plan (Kế hoạch) rendered
  with `documents.layout.render_docx`, converted by LibreOffice (WeasyPrint from the same
  layout in HTML when LibreOffice is missing), with the number and date fields added;
- signing.sign_softhsm: one signature of the role "signer" with a visible appearance (a
  signature image and four lines of Vietnamese text) through a SoftHSM token whose session
  is opened once (`open_ms`), timed as the service does it per document: read the file and
  check its SHA-256, build the request, `pdf.sign` (which finds the placement). Target;
- signing.sign_pkcs12: the same with a PKCS#12 key (for information);
- signing.sign_b_t: the same through SoftHSM with a time-stamp from a local TSA: PAdES-B-T
  (for information; the TSA is on 127.0.0.1, a real one adds its network round trip);
- signing.verify: `pdf.verify` with the root as the only trust anchor, on the document
  with three signatures (initial, signer, then the number filled in and the seal). Target;
- signing.batch50: `services.batch_sign` over 50 approved outgoing documents whose signing
  files were prepared from the same PDF, with a PKCS#11 credential on the SoftHSM token:
  the full service path (locks, checks, file reads and writes, rows, audit). Target.

Every timed line has p50/p95/max in ms over N runs after 3 warm-ups (`--n`), and the
target lines add `target_p95_ms` or `target_seconds` and `pass`. A scenario that cannot run
(no SoftHSM, a failure) is an `error` line, like the page scenarios.

Decisions:
- Opt-in: these lines run only when `--only` selects them (`--only signing`); a plain
  `capuyso bench` times the pages. They need SoftHSM and LibreOffice, and take a minute.
- Nothing stays behind: keys, token, files and the TSA live in a temporary directory; the
  batch's credential and 50 documents are written inside a transaction that is rolled back
  at the end (each document's own transaction is then a savepoint, not a commit), with
  MEDIA_ROOT pointed at the temporary directory. The dataset supplies the committee, its
  clerk (who prepares) and its secretary (who signs; the certificates carry their name).
- SoftHSM: its library reads SOFTHSM2_CONF when it initialises (capuyso.signing.softhsm).
  A process that already has a SoftHSM directory (the test suite) gets the benchmark's
  token added there; otherwise the benchmark activates its own. Either way the library is
  re-initialised once the token exists, before any session is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from bench.runner import WARMUP, percentile
from capuyso.documents.layout import PartyLayout, format_place_date, render_docx
from capuyso.signing import convert, pdf
from capuyso.signing import softhsm as softhsm_module
from capuyso.signing.devpki import DevPKI, Identity

NAMES = (
    "signing.document",
    "signing.sign_softhsm",
    "signing.sign_pkcs12",
    "signing.sign_b_t",
    "signing.verify",
    "signing.batch50",
)
TARGET_SIGN_P95_MS = 300.0
TARGET_VERIFY_P95_MS = 200.0
TARGET_BATCH_SECONDS = 20.0
BATCH = 50
PAGES = 10
PASSPHRASE = "mat-khau-bench"
TOKEN_PIN = "246810"
KEY_LABEL = "chu-ky-bench"
PLACE = "Phú Cát"
PARAGRAPHS_PER_PAGE = 6.4  # body paragraphs of `_body` per page as LibreOffice sets them


def selected(only: str) -> bool:
    """Opt-in: only a prefix that picks signing lines runs them (not the empty prefix)."""
    return bool(only) and any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The signing lines selected by `only`, for the bench command."""
    if not selected(only):
        return
    yield from run(
        committee=dataset.committee,
        signer=dataset.users.get("secretary"),
        clerk=dataset.users.get("clerk"),
        only=only,
        n=n,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def run(
    *,
    committee,
    signer,
    clerk,
    only: str = "signing.",
    n: int = 50,
    batch: int = BATCH,
    pages: int = PAGES,
    warmup: int = WARMUP,
    converter: str = "auto",
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    """Build the keys and the document (its line comes first, whatever `only` picks), then
    measure. `batch`, `pages` and `warmup` are smaller in the smoke test only (which also
    takes the WeasyPrint path); the lines say the numbers used."""
    wanted = [name for name in NAMES if name.startswith(only) and name != "signing.document"]
    if signer is None or clerk is None:
        for name in ["signing.document", *wanted]:
            yield {"name": name, "error": "no benchmark user 'secretary' or 'clerk'"}
        return
    with Kit(signer.full_name, pages=pages, warmup=warmup, converter=converter) as kit:
        log("signing.document")
        try:
            yield kit.document_line()
        except Exception as exc:  # noqa: BLE001 - without a document nothing else can run
            for name in ["signing.document", *wanted]:
                yield _error(name, exc)
            return
        target = TARGET_SIGN_P95_MS
        measurements = {
            "signing.sign_softhsm": lambda name: kit.sign_line(name, "softhsm", n, target),
            "signing.sign_pkcs12": lambda name: kit.sign_line(name, "pkcs12", n),
            "signing.sign_b_t": lambda name: kit.sign_line(name, "softhsm", n, timestamp=True),
            "signing.verify": lambda name: kit.verify_line(name, n),
            "signing.batch50": lambda name: kit.batch_line(name, committee, signer, clerk, batch),
        }
        for name in wanted:
            log(name)
            try:
                yield measurements[name](name)
            except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
                yield _error(name, exc)


def _error(name: str, exc: Exception) -> dict:
    return {"name": name, "error": f"{type(exc).__name__}: {exc}"[:300]}


def timings(function: Callable[[], object], n: int, warmup: int = WARMUP) -> dict:
    """p50/p95/max wall-clock ms of `function` over n runs after `warmup` runs, and the
    median CPU time of this process: a wall time far above it means the run waited (a
    machine busy with something else, or the TSA)."""
    for _ in range(warmup):
        function()
    samples, cpu = [], []
    for _ in range(n):
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
        "n": n,
        "cpu_p50_ms": round(statistics.median(cpu), 1),
    }


# --- the document ------------------------------------------------------------------------

SECTIONS = (
    "MỤC ĐÍCH, YÊU CẦU",
    "NỘI DUNG TRỌNG TÂM",
    "CHUYỂN ĐỔI SỐ TRONG CÔNG TÁC XÂY DỰNG ĐẢNG",
    "CÔNG TÁC TUYÊN TRUYỀN, VẬN ĐỘNG",
    "KIỂM TRA, GIÁM SÁT",
    "KINH PHÍ THỰC HIỆN",
    "TIẾN ĐỘ THỰC HIỆN",
    "TỔ CHỨC THỰC HIỆN",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
WHO = (
    "Văn phòng Đảng ủy",
    "Ban Tổ chức Đảng ủy",
    "Ủy ban Kiểm tra Đảng ủy",
    "Ban Tuyên giáo và Dân vận Đảng ủy",
    "Ủy ban nhân dân xã",
    "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    "các chi bộ trực thuộc",
    "Đoàn Thanh niên Cộng sản Hồ Chí Minh xã",
)
DOES = (
    "chủ trì, phối hợp với các cơ quan liên quan rà soát, đánh giá thực trạng và đề xuất "
    "giải pháp cụ thể, bảo đảm phù hợp với điều kiện thực tế của địa phương",
    "quán triệt sâu rộng đến toàn thể cán bộ, đảng viên và Nhân dân về mục đích, ý nghĩa, "
    "yêu cầu của nhiệm vụ, tạo sự thống nhất cao trong nhận thức và hành động",
    "xây dựng kế hoạch chi tiết, phân công cán bộ, đảng viên phụ trách từng nội dung, gắn "
    "với việc thực hiện nhiệm vụ chính trị của địa phương, cơ quan, đơn vị",
    "tăng cường kiểm tra, giám sát việc thực hiện; kịp thời biểu dương những tập thể, cá "
    "nhân làm tốt, chấn chỉnh những nơi chậm triển khai hoặc triển khai hình thức",
    "bảo đảm hạ tầng công nghệ thông tin, an toàn, an ninh mạng và bảo vệ bí mật nhà nước "
    "trong quá trình cập nhật, khai thác cơ sở dữ liệu đảng viên",
    "định kỳ hằng quý tổng hợp kết quả, báo cáo Ban Thường vụ Đảng ủy (qua Văn phòng Đảng "
    "ủy) trước ngày 20 của tháng cuối quý để theo dõi, chỉ đạo",
)
WHY = (
    "Việc thực hiện phải nghiêm túc, thiết thực, tránh hình thức, lãng phí.",
    "Kết quả thực hiện là một tiêu chí đánh giá, xếp loại chất lượng tổ chức đảng và đảng "
    "viên cuối năm.",
    "Quá trình triển khai cần phát huy vai trò nêu gương của cán bộ, đảng viên, trước hết "
    "là người đứng đầu cấp ủy, chính quyền, đoàn thể.",
    "Những khó khăn, vướng mắc phát sinh kịp thời báo cáo Thường trực Đảng ủy để xem xét, "
    "giải quyết.",
)


def _body(paragraphs: int) -> str:
    """A plan's body: numbered sections of numbered items, about 75 words each."""
    blocks = [
        "Căn cứ Điều lệ Đảng; căn cứ Nghị quyết Đại hội Đảng bộ xã nhiệm kỳ 2025 – 2030 và "
        "Chương trình công tác năm 2026 của Ban Chấp hành Đảng bộ, Ban Thường vụ Đảng ủy "
        "xây dựng kế hoạch thực hiện chuyển đổi số năm 2026 như sau:"
    ]
    per_section = max(1, math.ceil(paragraphs / len(SECTIONS)))
    item = 0
    for section, title in enumerate(SECTIONS):
        if item >= paragraphs:
            break
        blocks.append(f"{ROMAN[section]}. {title}")
        for number in range(1, per_section + 1):
            if item >= paragraphs:
                break
            who, does = WHO[item % len(WHO)], DOES[item % len(DOES)]
            other = DOES[(item + 3) % len(DOES)]
            blocks.append(
                f"{number}. {who[0].upper()}{who[1:]} {does}; đồng thời {other}. "
                f"{WHY[item % len(WHY)]}"
            )
            item += 1
    return "\n\n".join(blocks)


def party_layout(signer_name: str, pages: int = PAGES) -> PartyLayout:
    paragraphs = max(1, round(pages * PARAGRAPHS_PER_PAGE - 3))  # header and footer: ~half a page
    return PartyLayout(
        superior_name="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        issuer_name="ĐẢNG ỦY XÃ PHÚ CÁT",
        number=None,  # unnumbered until issue: "Số      -KH/ĐU", the number field goes there
        type_abbreviation="KH",
        issuer_abbreviation="ĐU",
        place=PLACE,
        date=None,
        year=timezone.localdate().year,
        type_name="KẾ HOẠCH",
        summary="Thực hiện chuyển đổi số trong các cơ quan đảng năm 2026",
        body=_body(paragraphs),
        signature_capacity="T/M BAN THƯỜNG VỤ",
        signer_title="BÍ THƯ",
        signer_name=signer_name,
        recipients=[
            "Ban Thường vụ Thành ủy (để báo cáo)",
            "Các đồng chí Đảng ủy viên",
            "Các chi bộ trực thuộc",
        ],
    )


def render_pdf(layout: PartyLayout, converter: str = "auto") -> tuple[bytes, str]:
    """(PDF, how it was made): LibreOffice from the DOCX, else (or when `converter` is
    "weasyprint") WeasyPrint from the same layout in HTML."""
    if converter != "weasyprint" and convert.available():
        return convert.docx_to_pdf(render_docx(layout)), "libreoffice"
    return _weasyprint_pdf(layout), "weasyprint"


def _weasyprint_pdf(layout: PartyLayout) -> bytes:
    """The same layout (Hướng dẫn 36-HD/VPTW) in HTML, for a server without LibreOffice."""
    from django.utils.html import escape
    from weasyprint import HTML

    from capuyso.documents.layout import format_reference, recipient_lines

    body = "".join(
        f"<p class='b'>{escape(block)}</p>" for block in layout.body.split("\n\n") if block.strip()
    )
    recipients = "".join(
        f"<div class='r'>{escape(line)}</div>"
        for line in recipient_lines(layout.recipients, layout.archive_line)
    )
    reference = format_reference(
        layout.number, layout.type_abbreviation, layout.issuer_abbreviation
    ).replace(" ", "&nbsp;")
    html = f"""<html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
      body {{ font-family: "Times New Roman", "Liberation Serif", serif; font-size: 14pt; }}
      table {{ width: 100%; border-collapse: collapse; }} td {{ vertical-align: top; }}
      .c {{ text-align: center; }} .i {{ font-style: italic; }} .bold {{ font-weight: bold; }}
      .b {{ text-align: justify; text-indent: 12.7mm; margin: 0 0 6pt; }}
      .r {{ font-size: 12pt; }}
    </style></head><body>
      <table><tr>
        <td class="c" style="width:72mm">{escape(layout.superior_name)}<br>
          <span class="bold">{escape(layout.issuer_name)}</span><br>*<br>Số {reference}</td>
        <td class="c"><span class="bold">{escape("ĐẢNG CỘNG SẢN VIỆT NAM")}</span><br><br>
          <span class="i">{escape(format_place_date(layout.place, layout.date, layout.year))}</span>
        </td></tr></table>
      <p class="c bold" style="font-size:15pt;margin:18pt 0 0">{escape(layout.type_name)}</p>
      <p class="c bold" style="margin:0">{escape(layout.summary)}<br>-----</p>
      {body}
      <table style="margin-top:12pt"><tr>
        <td style="width:80mm"><span class="bold" style="text-decoration:underline">
          Nơi nhận:</span>{recipients}</td>
        <td class="c bold">{escape(layout.signature_capacity)}<br>{escape(layout.signer_title)}
          <br><br><br><br><br>{escape(layout.signer_name)}</td></tr></table>
    </body></html>"""
    return HTML(string=html).write_pdf()


def signature_png(width: int = 360, height: int = 140) -> bytes:
    """A handwritten-looking signature: blue strokes on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (
            20 + t * (width - 40) / 200,
            height / 2 + 38 * math.sin(t / 9.0) * math.cos(t / 31.0) + 12 * math.sin(t / 2.7),
        )
        for t in range(201)
    ]
    draw.line(points, fill=(16, 40, 150, 255), width=4, joint="curve")
    draw.line([(40, height - 28), (width - 60, height - 40)], fill=(16, 40, 150, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seal_png(size: int = 300) -> bytes:
    """A round red seal: two rings and a star."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 20, 230)
    draw.ellipse((6, 6, size - 6, size - 6), outline=red, width=10)
    draw.ellipse((60, 60, size - 60, size - 60), outline=red, width=5)
    centre, outer, inner = size / 2, size / 6, size / 15
    star = [
        (
            centre + (outer if k % 2 == 0 else inner) * math.sin(k * math.pi / 5),
            centre - (outer if k % 2 == 0 else inner) * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- keys, token, document: everything in one temporary directory --------------------------


@dataclass
class Kit:
    signer_name: str
    pages: int = PAGES
    warmup: int = WARMUP
    converter: str = "auto"
    directory: Path = field(init=False)
    pki: DevPKI = field(init=False)
    signer_identity: Identity = field(init=False)
    prepared_pdf: bytes = b""
    source: str = ""
    signature_image: bytes = b""
    _file: Path = field(init=False)
    _sha256: str = ""
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _session_stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _page_count: int = 0
    _token_label: str = ""
    _session: object = None
    _open_ms: float | None = None
    _tsa: object = None

    def __enter__(self) -> Kit:
        self.directory = Path(
            self._stack.enter_context(tempfile.TemporaryDirectory(prefix="capuyso-bench-sign-"))
        )
        self.pki = DevPKI("Cấp ủy số Bench CA")
        self.signer_identity = self.pki.issue(
            self.signer_name, organization="Đảng ủy xã Phú Cát", email="bi.thu@example.vn"
        )
        self.signature_image = signature_png()
        return self

    def __exit__(self, *exc_info) -> None:
        self._session_stack.close()
        self._stack.close()

    # the document

    def document_line(self) -> dict:
        started = time.perf_counter()
        raw, self.source = render_pdf(party_layout(self.signer_name, self.pages), self.converter)
        self.prepared_pdf, with_fields = pdf.add_number_fields(raw)
        seconds = time.perf_counter() - started
        self._file = self.directory / "prepared.pdf"
        self._file.write_bytes(self.prepared_pdf)
        self._sha256 = hashlib.sha256(self.prepared_pdf).hexdigest()
        self._page_count = pdf.page_count(pdf.open_pdf(self.prepared_pdf))
        return {
            "name": "signing.document",
            "pages": self._page_count,
            "bytes": len(self.prepared_pdf),
            "source": self.source,
            "number_fields": with_fields,
            "seconds": round(seconds, 2),
        }

    def read_prepared(self) -> bytes:
        """What `documents.files.read_verified` does: read the file, check its SHA-256."""
        data = self._file.read_bytes()
        if hashlib.sha256(data).hexdigest() != self._sha256:
            raise RuntimeError("the prepared file changed")
        return data

    # the keys

    def softhsm_signer(self):
        """The pyHanko signer on the SoftHSM token; its session is opened once."""
        if self._session is None:
            self._open_token()
        from capuyso.signing import keys

        return keys.pkcs11_signer(
            self._session,
            KEY_LABEL,
            pdf.load_certificate(self.signer_identity.cert_der()),
            [pdf.load_certificate(_der(c)) for c in self.signer_identity.chain],
        )

    def softhsm_module(self) -> str:
        module = softhsm_module.module_path()
        if not softhsm_module.available() or module is None:
            raise RuntimeError(
                "skipped: SoftHSM2 is not installed (softhsm2-util, pkcs11-tool, libsofthsm2.so)"
            )
        return module

    def _open_token(self) -> None:
        from capuyso.signing import keys

        module = self.softhsm_module()
        label = self._create_token()
        with override_settings(SIGNING_PKCS11_MODULE=module):
            started = time.perf_counter()
            self._session = self._session_stack.enter_context(keys.pkcs11_session(label, TOKEN_PIN))
            self._open_ms = round((time.perf_counter() - started) * 1000, 1)

    def _create_token(self) -> str:
        if self._token_label:
            return self._token_label
        hsm = _process_softhsm(self.directory, self._stack)
        label = f"bench-{secrets.token_hex(4)}"
        hsm.create_token(label, TOKEN_PIN)
        hsm.import_identity(label, TOKEN_PIN, self.signer_identity, KEY_LABEL, key_id="0b")
        hsm.reload_library()  # no session is open yet: the library now sees the new token
        self._token_label = label
        return label

    def pkcs12_signer(self, identity: Identity | None = None):
        from capuyso.signing import keys

        identity = identity or self.signer_identity
        chain = [pdf.load_certificate(_der(c)) for c in identity.chain]
        return keys.pkcs12_signer(identity.pkcs12(PASSPHRASE), PASSPHRASE, chain)

    def tsa(self):
        """The local RFC 3161 TSA (capuyso.signing.testservers), started on first use."""
        if self._tsa is None:
            from capuyso.signing.testservers import TimestampServer

            identity = self.pki.issue("Cấp ủy số Bench TSA", organization="Cấp ủy số", for_tsa=True)
            self._tsa = self._stack.enter_context(TimestampServer(identity))
        return self._tsa

    # the measurements

    def signer_request(self, *, timestamp: bool = False) -> pdf.SignRequest:
        """What services._sign_request makes for the signer: image and four lines."""
        now = timezone.localtime()
        offset = now.strftime("%z")
        return pdf.SignRequest(
            role="signer",
            appearance=pdf.Appearance(
                lines=[
                    f"Ký bởi: {self.signer_name}",
                    "Chức vụ: Bí thư",
                    "Cơ quan: Đảng ủy xã Phú Cát",
                    f"Thời gian: {now:%d/%m/%Y %H:%M:%S} {offset[:-2]}:{offset[-2:]}",
                ],
                image=self.signature_image,
                font_size=6,
            ),
            reason="Ký ban hành",
            location=PLACE,
            name=self.signer_name,
            timestamp_url=self.tsa().url if timestamp else "",
        )

    def sign_line(
        self, name: str, key: str, n: int, target_ms: float | None = None, timestamp: bool = False
    ) -> dict:
        if key == "softhsm":
            signer = self.softhsm_signer()
            opened = {"open_ms": self._open_ms}
        else:
            started = time.perf_counter()
            signer = self.pkcs12_signer()
            opened = {"open_ms": round((time.perf_counter() - started) * 1000, 1)}
        levels = set()
        requests_before = self.tsa().request_count if timestamp else 0

        def once():
            data = self.read_prepared()
            signed, _field, level = pdf.sign(
                data, signer, self.signer_request(timestamp=timestamp), self.signer_name
            )
            levels.add(level)
            return signed

        line = {"name": name, **timings(once, n, self.warmup), "key": key, **opened}
        line["level"] = "/".join(sorted(levels))
        line["pages"] = self._page_count
        if timestamp:  # the requests the TSA received per signature
            requests = self.tsa().request_count - requests_before
            line["tsa_requests_per_signature"] = round(requests / (self.warmup + n), 2)
        if target_ms is not None:
            line.update(target_p95_ms=target_ms, **{"pass": line["p95_ms"] < target_ms})
        return line

    def three_signatures(self) -> bytes:
        """Initial, signer (the token when there is one), number filled in, seal."""
        initial = self.pki.issue("Đỗ Thị Lan", organization="Đảng ủy xã Phú Cát")
        seal = self.pki.issue("Đảng ủy xã Phú Cát", organization="Đảng ủy xã Phú Cát")
        data = self.read_prepared()
        now = timezone.localtime()
        data, _f, _l = pdf.sign(
            data,
            self.pkcs12_signer(initial),
            pdf.SignRequest(
                role="initial",
                appearance=pdf.Appearance(
                    lines=["Ký nháy: Đỗ Thị Lan", f"{now:%d/%m/%Y %H:%M}"], font_size=5
                ),
                reason="Ký nháy",
                location=PLACE,
                name="Đỗ Thị Lan",
            ),
            self.signer_name,
        )
        try:
            signer = self.softhsm_signer()
        except RuntimeError:
            signer = self.pkcs12_signer()
        data, _f, _l = pdf.sign(data, signer, self.signer_request(), self.signer_name)
        data = pdf.fill_number_fields(
            data,
            reference_line="Số 09-KH/ĐU",
            date_line=format_place_date(PLACE, timezone.localdate()),
        )
        data, _f, _l = pdf.sign(
            data,
            self.pkcs12_signer(seal),
            pdf.SignRequest(
                role="seal",
                appearance=pdf.Appearance(
                    lines=["Đảng ủy xã Phú Cát", now.isoformat(timespec="seconds")],
                    image=seal_png(),
                    font_size=5,
                ),
                reason="Đóng dấu điện tử",
                location=PLACE,
                name="Đảng ủy xã Phú Cát",
            ),
            self.signer_name,
        )
        return data

    def verify_line(self, name: str, n: int) -> dict:
        data = self.three_signatures()
        trust = pdf.TrustStore(roots=[pdf.load_certificate(self.pki.root.cert_der())])
        reports = []
        verify = lambda: reports.append(pdf.verify(data, trust))  # noqa: E731
        line = {"name": name, **timings(verify, n, self.warmup)}
        report = reports[-1]
        line.update(
            signatures=len(report["signatures"]),
            verdict=report["verdict"],
            pages=self._page_count,
            target_p95_ms=TARGET_VERIFY_P95_MS,
            **{"pass": line["p95_ms"] < TARGET_VERIFY_P95_MS and report["verdict"] == "valid"},
        )
        return line

    def batch_line(self, name: str, committee, signer, clerk, count: int) -> dict:
        module = self.softhsm_module()
        token = self._create_token()
        # The token's login belongs to the process: the batch opens its own session, as
        # the service does, so the one the other lines used is closed first.
        self._session_stack.close()
        self._session = None
        media = self.directory / "media"
        with (
            override_settings(MEDIA_ROOT=media, SIGNING_PKCS11_MODULE=module),
            transaction.atomic(),
        ):
            line = self._batch(name, committee, signer, clerk, count, token)
            transaction.set_rollback(True)  # nothing stays in the dataset
        return line

    def _batch(self, name, committee, signer, clerk, count, token) -> dict:
        from capuyso.documents.models import DocumentType
        from capuyso.documents.services import outgoing as outgoing_services
        from capuyso.signing import services
        from capuyso.signing.models import Credential

        credential, _warnings = services.credential_register(
            actor=signer,
            committee=committee,
            spec=services.NewCredential(
                kind=Credential.Kind.PKCS11,
                certificate=self.signer_identity.cert_pem(),
                token_label=token,
                key_label=KEY_LABEL,
                signature_image=self.signature_image,
                label="Token (benchmark)",
            ),
        )
        types = DocumentType.objects.filter(committee=committee, abbreviation="KH")
        doc_type = types.filter(valid_from__isnull=True).first() or types.first()
        layout = party_layout(self.signer_name, self.pages)
        documents = []
        for index in range(count):
            document = outgoing_services.outgoing_create(
                actor=clerk,
                doc_type=doc_type,
                summary=f"{layout.summary} (bản {index + 1}, benchmark)",
                body=layout.body,
                signer=signer,
                signature_capacity=layout.signature_capacity,
                signer_title=layout.signer_title,
                recipients_text="\n".join(f"- {r};" for r in layout.recipients),
            )
            document = outgoing_services.outgoing_approve(actor=signer, document=document)
            services.prepare_signing_file(actor=clerk, document=document, upload=self.prepared_pdf)
            documents.append(document)
        started = time.perf_counter()
        results = services.batch_sign(
            actor=signer, documents=documents, credential=credential, secret=TOKEN_PIN
        )
        seconds = time.perf_counter() - started
        errors = [r.error for r in results if r.signature is None]
        line = {
            "name": name,
            "seconds": round(seconds, 2),
            "documents": count,
            "signed": len(results) - len(errors),
            "errors": len(errors),
            "per_document_ms": round(seconds * 1000 / max(1, count), 1),
            "pages": self._page_count,
            "path": "services.batch_sign (PKCS#11, SoftHSM)",
            "target_seconds": TARGET_BATCH_SECONDS,
            "pass": seconds < TARGET_BATCH_SECONDS and not errors,
        }
        if errors:
            line["first_error"] = errors[0][:300]
        return line


def _der(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.DER)


def _process_softhsm(directory: Path, stack: contextlib.ExitStack) -> softhsm_module.SoftHSM:
    """This process's SoftHSM directory when it has one (the tests' session fixture), else a
    new one in `directory`, activated until the benchmark ends."""
    current = os.environ.get("SOFTHSM2_CONF")
    if current:
        existing = Path(current).parent
        expected = f"directories.tokendir = {existing / 'tokens'}\n"
        with contextlib.suppress(OSError):
            if Path(current).read_text(encoding="utf-8").startswith(expected):
                return softhsm_module.SoftHSM(existing)  # rewrites the same configuration
    hsm = softhsm_module.SoftHSM(directory / "softhsm")
    hsm.activate()

    def restore() -> None:
        if current is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = current

    stack.callback(restore)
    return hsm

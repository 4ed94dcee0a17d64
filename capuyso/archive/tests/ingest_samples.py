"""Real files for the intake tests, made on the spot: PDFs with a text layer (WeasyPrint),
scans (Pillow images, image-only PDFs), Word documents (python-docx), and the bad ones
(damaged, encrypted, empty, a zip bomb, an image header of 20,000 × 20,000 pixels).

`PartyDoc` lays a document out the Party way (rules.md §1): the left column with the
superior and the issuing body, "*", the number; the right column with the Party's name and
the place and date; the type in capitals and the summary, or "V/v …" under the number of
a Công văn. It renders as a PDF or as a DOCX (header in a table, or typed with tabs).
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from html import escape

PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
STATE = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
BODY = (
    "Căn cứ Điều lệ Đảng Cộng sản Việt Nam và Quy định thi hành Điều lệ Đảng;",
    "Căn cứ chương trình công tác của Ban Chấp hành Đảng bộ nhiệm kỳ 2020 - 2025,",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Quán triệt đầy đủ nội dung đến cán bộ, đảng viên; bảo đảm thiết thực, hiệu quả.",
    "2. Các chi bộ chủ động xây dựng kế hoạch và báo cáo kết quả về Văn phòng Đảng ủy.",
)


@dataclass(frozen=True)
class PartyDoc:
    left: tuple[str, ...]  # the superior and the issuing body (the last line)
    reference_line: str  # "Số 09-KH/ĐU"
    place_date: str
    title: str = ""  # "KẾ HOẠCH"; empty for a Công văn
    summary: str = ""
    vv: str = ""  # the "V/v …" of a Công văn
    greeting: str = ""
    body: tuple[str, ...] = BODY
    state: bool = False
    signature: tuple[str, ...] = ("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Hùng")
    expected: dict = field(default_factory=dict)

    def right(self) -> list[str]:
        return list(STATE) if self.state else [PARTY]

    def left_lines(self) -> list[str]:
        lines = [*self.left, "-----" if self.state else "*", self.reference_line]
        if self.vv:
            lines.append(f"V/v {self.vv}")
        return lines

    def after_header(self) -> list[str]:
        lines = []
        if self.title:
            lines += [self.title, self.summary, "-----"]
        if self.greeting:
            lines.append(self.greeting)
        return [*lines, *self.body, *self.signature]


# --- PDFs ------------------------------------------------------------------------------


def html_pdf(body: str) -> bytes:
    from weasyprint import HTML

    page = (
        "<html><head><meta charset='utf-8'><style>@page{size:A4;margin:2cm 1.5cm 2cm 3cm}"
        "body{font-family:'Times New Roman',serif;font-size:14pt}"
        "td{vertical-align:top;text-align:center;width:50%}.c{text-align:center}</style>"
        f"</head><body>{body}</body></html>"
    )
    return HTML(string=page).write_pdf()


def party_pdf(doc: PartyDoc) -> bytes:
    left = "".join(f"<div>{escape(line)}</div>" for line in doc.left_lines())
    right = "".join(f"<div>{escape(line)}</div>" for line in doc.right())
    right += f"<div><i>{escape(doc.place_date)}</i></div>"
    rest = "".join(f"<p>{escape(line)}</p>" for line in doc.after_header())
    return html_pdf(f"<table><tr><td>{left}</td><td>{right}</td></tr></table>{rest}")


@functools.cache
def text_pdf() -> bytes:
    return party_pdf(
        PartyDoc(
            left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
            reference_line="Số 09-KH/ĐU",
            place_date="Phú Cát, ngày 05 tháng 01 năm 2026",
            title="KẾ HOẠCH",
            summary="thực hiện chuyển đổi số trong các cơ quan Đảng năm 2026",
        )
    )


def scan_image(text: str = "Trang quét", size=(620, 877), mode="L"):
    """A page as a scanner gives it: an image, no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), text, fill="black")
    draw.rectangle((60, 120, size[0] - 60, 130), fill="black")
    return image


def image_pdf(pages: int = 1) -> bytes:
    images = [scan_image(f"Trang {n}").convert("RGB") for n in range(1, pages + 1)]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=75, save_all=True, append_images=images[1:])
    return out.getvalue()


def mixed_pdf() -> bytes:
    """Page 1 with a text layer, page 2 a scan."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf())), pages=[0])
    writer.append(PdfReader(io.BytesIO(image_pdf())))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(data: bytes | None = None, password: str = "mat-khau") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data or text_pdf())))
    writer.encrypt(password, "chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n" + bytes(range(256)) * 8


# --- Word ------------------------------------------------------------------------------


def party_docx(doc: PartyDoc, *, header: str = "table") -> bytes:
    """The header in a two-cell table (how Word templates do it), or typed on lines with
    the right column after a tab (older typed documents)."""
    from docx import Document

    document = Document()
    if header == "table":
        table = document.add_table(rows=1, cols=2)
        left, right = table.rows[0].cells
        left.text = "\n".join(doc.left_lines())
        right.text = "\n".join([*doc.right(), doc.place_date])
    else:
        left_lines, right_lines = doc.left_lines(), [*doc.right(), "", doc.place_date]
        for index in range(max(len(left_lines), len(right_lines))):
            a = left_lines[index] if index < len(left_lines) else ""
            b = right_lines[index] if index < len(right_lines) else ""
            document.add_paragraph(f"{a}\t\t{b}".strip())
    for line in doc.after_header():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def simple_docx(paragraphs=("Biên bản họp chi bộ",), table=(("Họ và tên", "Chức vụ"),)) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(unpacked_mb: int = 60) -> bytes:
    """A real DOCX package with one part of zeros that inflates ~1000 times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
        with package.open("word/media/image1.bin", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(block)
    return out.getvalue()


# --- images ----------------------------------------------------------------------------


def png_bytes(size=(400, 300)) -> bytes:
    out = io.BytesIO()
    scan_image(size=size).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    scan_image().convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


def tiff_bytes(frames: int = 2) -> bytes:
    images = [scan_image(f"Trang {n}") for n in range(1, frames + 1)]
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw")
    return out.getvalue()


def huge_png_header(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG that says it is width × height (greyscale), with a tiny compressed row: the
    header is all a checker should need to refuse it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


# --- a signed PDF ------------------------------------------------------------------------


@functools.cache
def signed_pdf_and_trust():
    """A PDF signed by a development CA's certificate (PAdES B-B, pyHanko), and the trust
    store that validates it."""
    from capuyso.signing.devpki import DevPKI
    from capuyso.signing.tests import signed_pdfs

    pki = DevPKI()
    signer = pki.issue("Nguyễn Văn An", organization="Đảng ủy xã Phú Cát")
    return signed_pdfs.sign(signed_pdfs.document(), signer), signed_pdfs.trust(pki.root)

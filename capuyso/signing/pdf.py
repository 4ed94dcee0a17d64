"""PDF work for digital signatures, on pyHanko: checks, the number fields, PAdES signing with a
visible appearance, the two halves of a remote (interrupted) signature, and verification.

Nothing here knows about Django models: the services pass bytes in and get bytes out. Every
write is an incremental update, so signatures already in the file stay valid, and a signed
input is never rewritten.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from capuyso.signing import pyhanko_speedups

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
NUMBER_FIELD = "capuyso_so_ky_hieu"
DATE_FIELD = "capuyso_ngay_ban_hanh"
# Field names per signature role; a second signature of the same role gets a suffix.
ROLE_FIELDS = {
    "initial": "capuyso_ky_nhay",
    "signer": "capuyso_chu_ky",
    "seal": "capuyso_con_dau",
    "copy": "capuyso_ban_sao",
}
LEVEL_B_B = "PAdES-B-B"
LEVEL_B_T = "PAdES-B-T"
LEVEL_B_LT = "PAdES-B-LT"
MAX_PDF_BYTES = 100 * 1024 * 1024


class PdfProblem(Exception):
    """Bad input or a failed operation; `message` is for the user (Vietnamese by gettext)."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


# --- reading and checking ---------------------------------------------------------------


def open_pdf(data: bytes) -> PdfFileReader:
    """A reader for `data`, or PdfProblem for empty, corrupt or encrypted files."""
    if not data:
        raise PdfProblem("empty", _("The file is empty (0 bytes)."))
    if len(data) > MAX_PDF_BYTES:
        raise PdfProblem("too_large", _("The PDF is too large to sign."))
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise PdfProblem("not_pdf", _("The file is not a PDF."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise PdfProblem(
                "encrypted",
                _("The PDF is protected by a password; ask the sender for an unprotected copy."),
            )
        reader.root["/Pages"]
        if not reader.root["/Pages"].get("/Count"):
            raise PdfProblem("corrupt", _("The PDF has no pages."))
    except PdfProblem:
        raise
    except Exception as exc:  # pyHanko raises many kinds on broken files
        raise PdfProblem("corrupt", _("The PDF is damaged and cannot be read.")) from exc
    return reader


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    name: str
    signed: bool


def signature_fields(reader: PdfFileReader) -> list[FieldInfo]:
    out = []
    for name, value, _ref in fields.enumerate_sig_fields(reader, filled_status=None):
        out.append(FieldInfo(name=name, signed=value is not None))
    return out


def free_field_name(reader: PdfFileReader, role: str) -> str:
    """`capuyso_chu_ky`, or `capuyso_chu_ky_2`… when that name is taken by a signature."""
    taken = {f.name for f in signature_fields(reader) if f.signed}
    base = ROLE_FIELDS[role]
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


# --- where things are on the page ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TextRun:
    page: int
    x: float
    y: float
    size: float
    text: str

    @property
    def width(self) -> float:  # an estimate: Times averages about half an em per character
        return len(self.text) * self.size * 0.48


def text_runs(data: bytes, pages: Iterable[int]) -> list[TextRun]:
    """Text fragments with their baseline position, via pypdf (which reads any PDF)."""
    from pypdf import PdfReader

    plain = PdfReader(io.BytesIO(data))
    runs: list[TextRun] = []
    for index in pages:
        page = plain.pages[index]

        def visit(text, cm, tm, _font, size, index=index):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[0] * cm[0]) or 1
            runs.append(TextRun(index, x, y, (size or 12) * scale, text.strip()))

        try:
            page.extract_text(visitor_text=visit)
        except Exception:  # noqa: S112 - text positions are a nicety; fall back to defaults
            continue
    return runs


def _fold(text: str) -> str:
    from capuyso.core.text import fold

    return re.sub(r"\s+", " ", fold(text)).strip()


def page_box(reader: PdfFileReader, index: int) -> tuple[float, float]:
    page_ref, _resources = reader.find_page_for_modification(index)
    page = page_ref.get_object()
    box = page.get("/MediaBox") or reader.root["/Pages"].get("/MediaBox") or [0, 0, 595.3, 841.9]
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def page_count(reader: PdfFileReader) -> int:
    return int(reader.root["/Pages"]["/Count"])


@dataclasses.dataclass(frozen=True)
class Placement:
    page: int
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in page units


def _reader_bytes(data: bytes) -> PdfFileReader:
    return open_pdf(data)


def locate_number_and_date(data: bytes) -> tuple[Placement | None, Placement | None, float]:
    """The boxes over the "Số …" line and the "Place, ngày … tháng … năm …" line of page 1."""
    reader = _reader_bytes(data)
    runs = text_runs(data, [0])
    number = date = None
    size = 14.0
    width, _height = page_box(reader, 0)
    for run in runs:
        folded = _fold(run.text)
        if number is None and re.match(r"^so\b", folded) and "/" in folded:
            size = run.size
            x2 = min(run.x + max(run.width, 8 * run.size) + 10, width / 2 + 40)
            number = Placement(0, (run.x - 2, run.y - run.size * 0.3, x2, run.y + run.size * 0.95))
        elif date is None and re.search(r"\bngay\b.*\bthang\b.*\bnam\b", folded):
            x2 = min(run.x + run.width + 60, width - 20)
            date = Placement(0, (run.x - 2, run.y - run.size * 0.3, x2, run.y + run.size * 0.95))
    return number, date, size


def signature_placement(data: bytes, role: str, signer_name: str = "") -> Placement:
    """Where a role's appearance goes: over the signature block of the last page.

    The signer's box sits between the capacity lines and the printed name; the seal overlaps
    the left third of it; the initial sits at the right of the signer's title; an electronic
    copy's stamp goes to the top right of page 1.
    """
    reader = _reader_bytes(data)
    last = page_count(reader) - 1
    width, height = page_box(reader, 0 if role == "copy" else last)
    if role == "copy":
        return Placement(0, (width - 230, height - 62, width - 20, height - 12))
    runs = text_runs(data, [last])
    name_run = None
    wanted = _fold(signer_name) if signer_name else ""
    if wanted:
        matches = [r for r in runs if _fold(r.text) == wanted and r.x > width * 0.4]
        name_run = matches[-1] if matches else None
    if name_run is not None:
        centre = name_run.x + name_run.width / 2
        above = [r for r in runs if r.y > name_run.y + 2 and r.x > width * 0.4]
        title_y = min((r.y for r in above), default=name_run.y + 80)
        bottom = name_run.y + name_run.size + 2
        top = max(bottom + 50, title_y - 4)
    else:
        centre = width * 0.72
        bottom, top = 110.0, 180.0
    sig_w = 170.0
    signer_box = (centre - sig_w / 2, bottom, centre + sig_w / 2, top)
    if role == "signer":
        return Placement(last, signer_box)
    if role == "seal":
        # Within the block's height, so it never covers the title above or the name below.
        size = min(top - bottom, 96.0)
        right = signer_box[0] + sig_w / 3
        mid = (bottom + top) / 2
        return Placement(last, (right - size, mid - size / 2, right, mid + size / 2))
    # initial: a small box beside the block, level with its lower edge (clear of the
    # capacity and title lines, which are wider than the printed name)
    left = min(signer_box[2] + 4, width - 84)
    return Placement(last, (left, bottom, min(width - 10, left + 72), bottom + 30))


# --- fonts ------------------------------------------------------------------------------

_FONT_CANDIDATES = {
    "regular": (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
    "italic": (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
    "bold": (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
}
# What an appearance may need: Latin with every Vietnamese letter (precomposed, and the
# combining marks), Greek, Cyrillic, punctuation, currency (₫), letterlike (№), arrows, maths,
# geometric shapes.
_FONT_UNICODES = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0300, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x22FF),
    (0x25A0, 0x25FF),
)
_font_lock = threading.Lock()
_font_cache: dict[str, str] = {}


def font_path(style: str = "regular") -> str:
    """A copy of a Vietnamese-capable TrueType font rescaled to 1000 units per em, and
    trimmed to what appearances draw.

    pyHanko's glyph accumulator writes glyph widths in font units, not in PDF's 1/1000 em, so
    a 2048-unit font (Liberation, DejaVu) gives stretched text that overflows its box.
    Rescaling the font once to 1000 units makes the two agree.

    pyHanko loads and subsets the font again for every appearance (fontTools decompiles
    its glyphs, hinting and layout tables each time): that was ~70 ms of every signature.
    The copy has no TrueType hinting (nothing rasterises a 6 pt stamp on a pixel grid), no
    layout tables (the embedded subset drops them anyway; only kerning goes) and only the
    scripts above: ~25 ms a signature, and half the bytes embedded in the PDF.
    """
    with _font_lock:
        if style in _font_cache and os.path.exists(_font_cache[style]):
            return _font_cache[style]
        source = next((p for p in _FONT_CANDIDATES[style] if os.path.exists(p)), None)
        if source is None:
            raise PdfProblem(
                "no_font",
                _("No font with Vietnamese letters is installed (fonts-liberation2)."),
            )
        cache = Path(tempfile.gettempdir()) / f"capuyso-fonts-{os.getuid()}"
        cache.mkdir(mode=0o700, exist_ok=True)
        target = cache / (Path(source).stem + "-1000upem-v3.ttf")
        if not target.exists():
            from fontTools import subset
            from fontTools.ttLib import TTFont
            from fontTools.ttLib.scaleUpem import scale_upem

            font = TTFont(source)
            if "FFTM" in font:  # FontForge's timestamp table: the subsetter warns about it
                del font["FFTM"]
            if font["head"].unitsPerEm != 1000:
                scale_upem(font, 1000)
            options = subset.Options(hinting=False, notdef_outline=True)
            options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern"]
            trim = subset.Subsetter(options)
            trim.populate(
                unicodes=[c for low, high in _FONT_UNICODES for c in range(low, high + 1)]
            )
            trim.subset(font)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            font.save(partial)
            os.replace(partial, target)
        _font_cache[style] = str(target)
        return str(target)


def _text_box_style(size: float, style: str = "regular", **extra) -> TextBoxStyle:
    # pyHanko's layout does exact arithmetic with Fractions: sizes must be whole numbers.
    size = max(4, round(size))
    return TextBoxStyle(
        font=GlyphAccumulatorFactory(font_path(style), font_size=size),
        font_size=size,
        leading=round(size * 1.2),
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1),
        ),
        **extra,
    )


# --- appearance -----------------------------------------------------------------------


@dataclasses.dataclass
class Appearance:
    """What the signature shows: an optional image (PNG bytes) and lines of text."""

    lines: Sequence[str]
    image: bytes | None = None
    image_only: bool = False
    font_size: int = 7


def _pil(png: bytes):
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except Exception as exc:
        raise PdfProblem("bad_image", _("The signature or seal image cannot be read.")) from exc
    return image.convert("RGBA")


def stamp_style(appearance: Appearance, role: str) -> TextStampStyle:
    text = "\n".join(line.replace("%", "%%") for line in appearance.lines)
    background = None
    if appearance.image:
        background = PdfImage(_pil(appearance.image))
    if role == "seal":
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MIN
        )
        bg_layout = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        )
    elif role == "signer":
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MID
        )
        bg_layout = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=0, right=95, top=2, bottom=2),
        )
    else:
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID
        )
        bg_layout = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID
        )
    return TextStampStyle(
        stamp_text=text if not appearance.image_only else " ",
        text_box_style=_text_box_style(
            appearance.font_size, text_color=(0.8, 0.0, 0.0) if role == "copy" else None
        ),
        inner_content_layout=inner,
        background=background,
        background_layout=bg_layout,
        background_opacity=1.0,
        border_width=1 if role == "copy" else 0,
        border_color=(0.8, 0.0, 0.0) if role == "copy" else None,
    )


# --- preparing: the number and date fields ---------------------------------------------


def _field_appearance(writer, width: float, height: float, text: str, size: float, style: str):
    box = layout.BoxConstraints(width=round(width), height=round(height))
    stamp = TextStampStyle(
        stamp_text=text.replace("%", "%%"),
        text_box_style=_text_box_style(size, style),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=2, right=0, top=0, bottom=0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        background=RawContent(
            b"1 g 0 0 %d %d re f" % (round(width), round(height)),
            box=layout.BoxConstraints(width=round(width), height=round(height)),
        ),
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_FILL,
        ),
        background_opacity=1.0,
        border_width=0,
    ).create_stamp(writer, box, {})
    return stamp.register()


def add_number_fields(data: bytes) -> tuple[bytes, bool]:
    """Add the form fields the number and date will be written into at issue.

    They are added before the first signature: filling them later is a form-filling change,
    which keeps every signature valid. A PDF that is already signed is left alone (adding
    fields now would break its signatures); it returns `(data, False)`.
    """
    reader = _reader_bytes(data)
    if reader.embedded_signatures:
        return data, False
    number, date, _size = locate_number_and_date(data)
    if number is None and date is None:
        return data, False
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    form = writer.root.get("/AcroForm")
    if form is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        writer.root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    else:
        form = form.get_object()
    field_list = form["/Fields"]
    annots = page.get("/Annots")
    if annots is None:
        annots = generic.ArrayObject()
        page[pdf_name("/Annots")] = annots
    else:
        annots = annots.get_object()
    for name, placement in ((NUMBER_FIELD, number), (DATE_FIELD, date)):
        if placement is None:
            continue
        x1, y1, x2, y2 = placement.box
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): pdf_string(name),
                pdf_name("/V"): pdf_string(""),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(round(v, 2)) for v in (x1, y1, x2, y2)]
                ),
                pdf_name("/P"): page_ref,
                pdf_name("/DA"): pdf_string("/Helv 0 Tf 0 g"),
            }
        )
        ref = writer.add_object(widget)
        field_list.append(ref)
        annots.append(ref)
    writer.update_container(page)
    writer.update_container(form)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), True


def fill_number_fields(data: bytes, *, reference_line: str, date_line: str) -> bytes:
    """Write "Số 09-KH/ĐU" and the place and date into the fields added by add_number_fields.

    An incremental update that only sets the fields' values and appearances: a form-filling
    change that keeps earlier signatures valid.
    """
    reader = _reader_bytes(data)
    _number, _date, size = locate_number_and_date(data)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    form = writer.root.get("/AcroForm")
    if form is None:
        raise PdfProblem("no_fields", _("This PDF has no place prepared for the number."))
    done = 0
    for ref in form.get_object()["/Fields"]:
        field = ref.get_object()
        name = str(field.get("/T"))
        if name not in (NUMBER_FIELD, DATE_FIELD):
            continue
        text = reference_line if name == NUMBER_FIELD else date_line
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        ap = _field_appearance(
            writer, x2 - x1, y2 - y1, text, size, "regular" if name == NUMBER_FIELD else "italic"
        )
        field[pdf_name("/V")] = pdf_string(text)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): ap})
        field[pdf_name("/Ff")] = generic.NumberObject(1)  # read-only from now on
        writer.update_container(field)
        done += 1
    del reader
    if not done:
        raise PdfProblem("no_fields", _("This PDF has no place prepared for the number."))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- signing --------------------------------------------------------------------------


@dataclasses.dataclass
class SignRequest:
    role: str  # initial | signer | seal | copy
    appearance: Appearance
    placement: Placement | None = None
    reason: str = ""
    location: str = ""
    name: str = ""
    timestamp_url: str = ""
    validation_context: ValidationContext | None = None  # for B-LT: trust + revocation data
    embed_revocation: bool = False


_TIMESTAMPER_SECONDS = 3600.0
_timestamper_lock = threading.Lock()
_timestampers: dict[str, tuple[float, object]] = {}


def _timestamper(url: str):
    """One HTTPTimeStamper per TSA address, renewed hourly.

    pyHanko sizes each signature with a dummy token, which a timestamper asks its TSA for
    once and then keeps (with the TSA's certificates): a new timestamper per signature made
    every B-T signature wait for the TSA twice.
    """
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    now = time.monotonic()
    with _timestamper_lock:
        made, stamper = _timestampers.get(url, (0.0, None))
        if stamper is None or now - made > _TIMESTAMPER_SECONDS:
            stamper = HTTPTimeStamper(url, timeout=10)
            _timestampers[url] = (now, stamper)
        return stamper


def _pdf_signer(request: SignRequest, signer, field_name: str, placement: Placement):
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason or None,
        location=request.location or None,
        name=request.name or None,
        embed_validation_info=request.embed_revocation,
        validation_context=request.validation_context if request.embed_revocation else None,
    )
    x1, y1, x2, y2 = placement.box
    return signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=_timestamper(request.timestamp_url),
        stamp_style=stamp_style(request.appearance, request.role),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=field_name,
            on_page=placement.page,
            box=(int(x1), int(y1), int(x2), int(y2)),
        ),
    )


def _has_revocation_data(data: bytes) -> bool:
    """Did the signing embed revocation data (a DSS with CRLs or OCSP responses)?"""
    try:
        dss = PdfFileReader(io.BytesIO(data), strict=False).root.get("/DSS")
    except Exception:
        return False
    if dss is None:
        return False
    dss = dss.get_object()
    return bool(dss.get("/CRLs") or dss.get("/OCSPs"))


def _level(request: SignRequest, signed: bytes | None = None) -> str:
    if (
        request.timestamp_url
        and request.embed_revocation
        and (signed is None or _has_revocation_data(signed))
    ):
        return LEVEL_B_LT
    if request.timestamp_url:
        return LEVEL_B_T
    return LEVEL_B_B


def _translate_signing_error(exc: Exception) -> PdfProblem:
    text = str(exc)
    if "timestamp" in text.lower() or "tsa" in text.lower():
        return PdfProblem("tsa", _("The timestamp server did not answer; nothing was signed."))
    return PdfProblem(
        "sign_failed", _("The signature could not be made: %(error)s") % {"error": text[:200]}
    )


def sign(
    data: bytes, signer, request: SignRequest, signer_name: str = ""
) -> tuple[bytes, str, str]:
    """Sign `data` as a new incremental revision. Returns (signed bytes, field name, level)."""
    reader = _reader_bytes(data)
    field_name = free_field_name(reader, request.role)
    placement = request.placement or signature_placement(data, request.role, signer_name)
    pdf_signer = _pdf_signer(request, signer, field_name, placement)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        out = pdf_signer.sign_pdf(writer, appearance_text_params={})
    except PdfProblem:
        raise
    except PdfError as exc:
        raise PdfProblem(
            "corrupt", _("The PDF cannot be signed: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    except Exception as exc:
        raise _translate_signing_error(exc) from exc
    signed = out.getvalue()
    return signed, field_name, _level(request, signed)


def sign_with_field_name(data: bytes, signer, request: SignRequest, field_name: str) -> bytes:
    """Sign into an explicit field name; refuses a name already used by a signature."""
    reader = _reader_bytes(data)
    existing = {f.name: f for f in signature_fields(reader)}
    if field_name in existing and existing[field_name].signed:
        raise PdfProblem(
            "field_taken",
            _("This PDF already has a signature named “%(name)s”; a second one cannot use it.")
            % {"name": field_name},
        )
    placement = request.placement or signature_placement(data, request.role)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        out = _pdf_signer(request, signer, field_name, placement).sign_pdf(writer)
    except Exception as exc:
        raise _translate_signing_error(exc) from exc
    return out.getvalue()


# --- remote (interrupted) signing -----------------------------------------------------


@dataclasses.dataclass
class PreparedRemote:
    """The document with room for a signature, and the digest the provider must sign."""

    pdf: bytes
    digest: bytes
    reserved_start: int
    reserved_end: int
    field_name: str
    level: str


def prepare_remote(
    data: bytes,
    certificate: asn1_x509.Certificate,
    chain: Sequence[asn1_x509.Certificate],
    request: SignRequest,
    signer_name: str = "",
) -> PreparedRemote:
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    reader = _reader_bytes(data)
    field_name = free_field_name(reader, request.role)
    placement = request.placement or signature_placement(data, request.role, signer_name)
    external = signers.ExternalSigner(
        signing_cert=certificate,
        cert_registry=SimpleCertificateStore.from_certs(list(chain)),
        signature_value=bytes(512),
    )
    request = dataclasses.replace(request, timestamp_url="", embed_revocation=False)
    pdf_signer = _pdf_signer(request, external, field_name, placement)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        prepared, _tbs, output = asyncio.run(
            pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=32768)
        )
    except Exception as exc:
        raise _translate_signing_error(exc) from exc
    return PreparedRemote(
        pdf=output.getvalue(),
        digest=prepared.document_digest,
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        field_name=field_name,
        level=LEVEL_B_B,
    )


def finish_remote(prepared: PreparedRemote, cms_der: bytes) -> bytes:
    """Embed the CMS signature the provider returned; checks it signs the right digest."""
    from asn1crypto import cms

    try:
        content = cms.ContentInfo.load(cms_der)
        signed_data = content["content"]
        signer_info = signed_data["signer_infos"][0]
        digest = None
        for attr in signer_info["signed_attrs"]:
            if attr["type"].native == "message_digest":
                digest = attr["values"][0].native
    except Exception as exc:
        raise PdfProblem(
            "bad_cms", _("The signing service returned an unreadable signature.")
        ) from exc
    if digest != prepared.digest:
        raise PdfProblem("bad_cms", _("The signing service signed a different document."))
    output = io.BytesIO(prepared.pdf)
    digest_obj = PreparedByteRangeDigest(
        document_digest=prepared.digest,
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )
    try:
        PdfTBSDocument.finish_signing(output, digest_obj, content)
    except Exception as exc:
        raise PdfProblem("bad_cms", _("The returned signature does not fit the document.")) from exc
    return output.getvalue()


# --- verification ---------------------------------------------------------------------

VERDICTS = (
    "valid",
    "invalid_integrity",
    "untrusted",
    "expired",
    "modified_after_signing",
    "unsigned",
)
_SEVERITY = {
    "invalid_integrity": 5,
    "modified_after_signing": 4,
    "expired": 3,
    "untrusted": 2,
    "valid": 1,
}


@dataclasses.dataclass
class TrustStore:
    roots: list[asn1_x509.Certificate] = dataclasses.field(default_factory=list)
    intermediates: list[asn1_x509.Certificate] = dataclasses.field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = dataclasses.field(default_factory=list)
    allow_fetching: bool = False

    def context(self, moment: dt.datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.roots,
            other_certs=self.intermediates,
            crls=self.crls,
            allow_fetching=self.allow_fetching,
            revocation_mode="soft-fail",
            moment=moment,
            best_signature_time=moment,
        )


def load_certificate(data: bytes) -> asn1_x509.Certificate:
    """A DER or PEM certificate; ValueError on anything else."""
    from asn1crypto import pem

    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    cert = asn1_x509.Certificate.load(data)
    cert.native  # noqa: B018 - forces a full parse so garbage fails here
    return cert


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    from asn1crypto import pem

    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _k, _h, der in pem.unarmor(data, multiple=True)]
    return [load_certificate(data)]


def load_crl(data: bytes) -> asn1_crl.CertificateList:
    from asn1crypto import pem

    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    value = asn1_crl.CertificateList.load(data)
    value.native  # noqa: B018
    return value


def describe_certificate(cert: asn1_x509.Certificate) -> dict:
    subject = cert.subject.native
    return {
        "common_name": subject.get("common_name", ""),
        "organization": subject.get("organization_name", ""),
        "email": subject.get("email_address", ""),
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "serial": format(cert.serial_number, "x"),
        "not_before": cert["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
        "not_after": cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
        "sha256": cert.sha256.hex(),
    }


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM).isoformat(timespec="seconds")


# How long one OCSP/CRL download may take when fetching is allowed (the default is 10 s).
FETCH_TIMEOUT_SECONDS = 5
# Trust problems that mean "outside the certificate's validity period".
_OUT_OF_VALIDITY = {"EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}


def _context(
    trust: TrustStore,
    *,
    fetchers=None,
    moment: dt.datetime | None = None,
    hard: bool = False,
    revocation: bool = True,
) -> ValidationContext:
    """The trust store as a validation context for one pass of a check.

    `hard`: missing revocation data fails the pass (so a pass that succeeds proves the
    revocation status was checked). `revocation=False`: no CRLs, no fetching (a pass that
    only needs the chain). `fetchers` are shared by all passes of a check, so nothing is
    downloaded twice.
    """
    fetch = revocation and trust.allow_fetching and fetchers is not None
    return ValidationContext(
        trust_roots=list(trust.roots),
        other_certs=list(trust.intermediates),
        crls=list(trust.crls) if revocation else [],
        allow_fetching=fetch,
        fetchers=fetchers if fetch else None,
        revocation_mode="hard-fail" if hard else "soft-fail",
        moment=moment,
        best_signature_time=moment,
    )


def _validity(cert: asn1_x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def _within_validity(cert: asn1_x509.Certificate, moment: dt.datetime) -> bool:
    not_before, not_after = _validity(cert)
    return not_before <= moment <= not_after


def _listed_revoked(cert: asn1_x509.Certificate, crls) -> dt.datetime | None:
    """When an uploaded CRL of the certificate's issuer lists it as revoked (else None).

    The validator only reads CRLs for certificates that name a distribution point; a CRL
    the administrator uploaded counts for every certificate of its issuer.
    """
    for crl in crls:
        tbs = crl["tbs_cert_list"]
        if tbs["issuer"] != cert.issuer:
            continue
        for revoked in tbs["revoked_certificates"] or []:
            if revoked["user_certificate"].native == cert.serial_number:
                return revoked["revocation_date"].native
    return None


def _has_revocation_source(cert: asn1_x509.Certificate, trust: TrustStore) -> bool:
    """Is there anything to check this certificate's revocation against?"""
    if any(crl["tbs_cert_list"]["issuer"] == cert.issuer for crl in trust.crls):
        return True
    return bool(cert.crl_distribution_points or cert.ocsp_urls)


def _reached_level(timestamped: bool, reader) -> str:
    if not timestamped:
        return LEVEL_B_B
    try:
        has_dss = reader.root.get("/DSS") is not None
    except Exception:  # pragma: no cover - a reader that already gave its signatures
        has_dss = False
    return LEVEL_B_LT if has_dss else LEVEL_B_T


def _broken(entry: dict, exc: Exception) -> dict:
    entry.update(verdict="invalid_integrity", intact=False, valid=False)
    entry["problems"].append(f"cannot validate: {exc}"[:300])
    return entry


async def _verify_document_timestamp(embedded, trust: TrustStore, fetchers, entry: dict) -> dict:
    """A document timestamp (/DocTimeStamp, PAdES B-LTA): a TSA's signature over the file."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import async_validate_pdf_timestamp

    entry["kind"] = "document_timestamp"
    try:
        status = await async_validate_pdf_timestamp(
            embedded, validation_context=_context(trust, fetchers=fetchers)
        )
    except Exception as exc:
        return _broken(entry, exc)
    level = status.modification_level
    entry.update(
        signer=describe_certificate(status.signing_cert),
        intact=bool(status.intact),
        valid=bool(status.valid),
        signing_time=_iso(status.timestamp),
        signing_time_source="timestamp",
        timestamped=True,
        coverage=status.coverage.name if status.coverage else None,
        modification_level=level.name if level else None,
        modifications_allowed=level is None or level.value <= ModificationLevel.FORM_FILLING.value,
        trusted=bool(status.trusted),
        revocation="revoked" if status.revoked else "not_checked",
    )
    if status.trust_problem_indic is not None:
        entry["trust_problem"] = status.trust_problem_indic.name
    if not (status.intact and status.valid):
        entry["verdict"] = "invalid_integrity"
        entry["problems"].append("the timestamped bytes or the timestamp signature do not match")
    elif not entry["modifications_allowed"]:
        entry["verdict"] = "modified_after_signing"
        entry["problems"].append("the file was changed after the timestamp")
    elif not status.trusted:
        entry["verdict"] = "untrusted"
        entry["problems"].append("the timestamp authority is not trusted")
    else:
        entry["verdict"] = "valid"
    return entry


async def _verify_one(embedded, trust: TrustStore, fetchers=None) -> dict:
    """Check one signature: integrity, changes made after it, the timestamp, the chain to
    the trust roots at the signing time, the certificate's validity then, and revocation.

    The signing time is the timestamp's when a trusted TSA vouches for it, else the time
    the signer claims (reported as such). A revoked certificate makes the signature
    invalid unless a trusted timestamp proves it was made before the revocation: a claimed
    time proves nothing, since whoever holds a compromised key can claim any time.
    """
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    entry: dict = {"field": embedded.field_name, "kind": "signature", "problems": [], "notes": []}
    if embedded.sig_object_type == "/DocTimeStamp":
        return await _verify_document_timestamp(embedded, trust, fetchers, entry)
    try:
        cert = embedded.signer_cert
        entry["signer"] = describe_certificate(cert)
        claimed = embedded.self_reported_timestamp
    except Exception as exc:
        return _broken(entry, exc)
    hard = bool(trust.crls) or trust.allow_fetching

    async def check(moment=None, *, hard: bool, skip_diff: bool = True):
        return await async_validate_pdf_signature(
            embedded,
            signer_validation_context=_context(trust, fetchers=fetchers, moment=moment, hard=hard),
            ts_validation_context=_context(trust, fetchers=fetchers),
            skip_diff=skip_diff,
        )

    # The first pass settles integrity, the timestamp, the changes made after signing, and
    # the trust as of now (the common case needs nothing more).
    try:
        status = await check(hard=hard, skip_diff=False)
    except Exception as exc:
        return _broken(entry, exc)
    ts = status.timestamp_validity
    ts_ok = ts is not None and bool(ts.intact and ts.valid)
    ts_time = ts.timestamp if ts_ok and ts.trusted else None
    if ts is not None:
        entry["timestamp"] = {
            "time": _iso(ts.timestamp),
            "intact": ts_ok,
            "trusted": bool(ts.trusted),
            "authority": ts.signing_cert.subject.native.get("common_name", "")
            if ts.signing_cert is not None
            else "",
        }
        if ts_ok and not ts.trusted:
            entry["notes"].append(
                "the timestamp authority is not trusted: the time claimed by the signer is used"
            )
    signing_time = ts_time or claimed
    level = status.modification_level
    entry.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        signing_time=_iso(signing_time),
        signing_time_source="timestamp" if ts_time else ("claimed" if claimed else None),
        timestamped=ts_ok,
        level=_reached_level(ts_ok, embedded.reader),
        coverage=status.coverage.name if status.coverage else None,
        modification_level=level.name if level else None,
        modifications_allowed=bool(status.docmdp_ok) or level is None,
    )
    if not (status.intact and status.valid):
        entry["verdict"] = "invalid_integrity"
        entry["problems"].append("the signed bytes or the signature value do not match")
        return entry
    if ts is not None and not ts_ok:
        entry["verdict"] = "invalid_integrity"
        entry["problems"].append("the timestamp token does not match the signature")
        return entry
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        entry["verdict"] = "invalid_integrity"
        entry["problems"].append("the signature does not cover its whole revision")
        return entry
    if not entry["modifications_allowed"]:
        entry["verdict"] = "modified_after_signing"
        entry["problems"].append("the file was changed after signing in a way that is not allowed")
        return entry

    now = dt.datetime.now(dt.UTC)
    valid_at_signing = _within_validity(cert, signing_time or now)
    entry["certificate_valid_at_signing"] = valid_at_signing
    if status.revoked and status.revocation_details is not None:
        entry["revocation_date"] = _iso(status.revocation_details.revocation_date)
    # Judged as of the signing time when now fails: a timestamped signature stays valid
    # after its certificate expires or is revoked; a claimed time only counts for expiry.
    trusted_status = status
    moment = ts_time or (claimed if claimed and not _within_validity(cert, now) else None)
    try:
        if not status.trusted and moment is not None:
            trusted_status = await check(moment, hard=hard)
        confirmed = hard and trusted_status.trusted
        if hard and not trusted_status.trusted and not trusted_status.revoked:
            # Perhaps only the revocation data is missing (offline): judge the chain alone.
            soft = await check(moment, hard=False)
            if soft.trusted or soft.revoked:
                trusted_status = soft
    except Exception as exc:  # pragma: no cover - the first pass already read everything
        entry["problems"].append(f"cannot validate the chain: {exc}"[:300])
        confirmed = False
    listed = _listed_revoked(cert, trust.crls)
    if listed is not None:
        entry.setdefault("revocation_date", _iso(listed))
    revoked = trusted_status.revoked or (
        listed is not None and (ts_time is None or listed <= ts_time)
    )
    if revoked:
        entry["revocation"] = "revoked"
    elif confirmed and _has_revocation_source(cert, trust):
        entry["revocation"] = "good"
        if listed is not None or status.revoked:
            entry["notes"].append("the certificate was revoked after the timestamp")
    else:
        entry["revocation"] = "not_checked"
    entry["trusted"] = bool(trusted_status.trusted) and not revoked
    indic = trusted_status.trust_problem_indic
    if indic is not None:
        entry["trust_problem"] = indic.name
    if not valid_at_signing or (
        not trusted_status.trusted and indic is not None and indic.name in _OUT_OF_VALIDITY
    ):
        entry["verdict"] = "expired"
        entry["problems"].append("the certificate was not valid at the signing time")
    elif revoked:
        entry["verdict"] = "untrusted"
        entry["problems"].append("the certificate is revoked")
    elif not trusted_status.trusted:
        entry["verdict"] = "untrusted"
        entry["problems"].append(
            "the certificate does not chain to a trusted root"
            if indic is None or indic.name == "NO_CERTIFICATE_CHAIN_FOUND"
            else f"the certificate is not trusted ({indic.name})"
        )
    else:
        entry["verdict"] = "valid"
    return entry


async def _verify_all(embedded: list, trust: TrustStore) -> list[dict]:
    if not trust.allow_fetching:
        return [await _verify_one(sig, trust) for sig in embedded]
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

    async with AIOHttpFetcherBackend(per_request_timeout=FETCH_TIMEOUT_SECONDS) as fetchers:
        return [await _verify_one(sig, trust, fetchers) for sig in embedded]


def verify(data: bytes, trust: TrustStore) -> dict:
    """A JSON-ready report: `verdict` for the file and one entry per signature.

    Bad input gives a report too: `error` (a message for people) and `error_code` (empty,
    not_pdf, too_large, encrypted, corrupt). A file that cannot be a signed PDF (empty, not
    a PDF) is "unsigned"; one that may be but cannot be read is "invalid_integrity".
    """
    report: dict = {"verdict": "unsigned", "signatures": []}
    try:
        reader = _reader_bytes(data)
    except PdfProblem as problem:
        report.update(
            verdict="unsigned" if problem.code in ("empty", "not_pdf") else "invalid_integrity",
            error=str(problem.message),
            error_code=problem.code,
        )
        return report
    try:
        signatures = _verify_signatures(reader, trust, report)
    finally:
        # The parsed file is reference cycles that only a full garbage collection would
        # free: a ~100 ms pause every few verifications (see pyhanko_speedups.release).
        pyhanko_speedups.release(reader)
    if not signatures:
        return report
    report["signatures"] = signatures
    report["verdict"] = max(
        (entry["verdict"] for entry in report["signatures"]), key=_SEVERITY.__getitem__
    )
    return report


def _verify_signatures(reader: PdfFileReader, trust: TrustStore, report: dict) -> list[dict]:
    """One entry per signature ([] when there is none, or when they cannot be read: then
    `report` gets the error)."""
    try:
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        report.update(
            verdict="invalid_integrity",
            error=str(_("The signatures of this PDF cannot be read: %(error)s") % {"error": exc})[
                :300
            ],
            error_code="corrupt",
        )
        return []
    if not embedded:
        return []
    return asyncio.run(_verify_all(embedded, trust))

"""DOCX → PDF through LibreOffice headless, when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ConversionUnavailable(Exception):
    message = _(
        "LibreOffice is not installed on the server, so the PDF cannot be made here: "
        "upload the final PDF instead."
    )


class ConversionFailed(Exception):
    message = _("LibreOffice could not convert the document to PDF; upload the final PDF instead.")


def soffice() -> str | None:
    configured = getattr(settings, "SIGNING_SOFFICE", "")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def docx_to_pdf(docx: bytes, *, timeout: int = 120) -> bytes:
    binary = soffice()
    if binary is None:
        raise ConversionUnavailable
    with tempfile.TemporaryDirectory(prefix="capuyso-soffice-") as work:
        folder = Path(work)
        source = folder / "document.docx"
        source.write_bytes(docx)
        profile = folder / "profile"
        try:
            subprocess.run(  # noqa: S603 - fixed argv, no shell
                [
                    binary,
                    "--headless",
                    "--norestore",
                    "--nolockcheck",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise ConversionFailed from exc
        result = folder / "document.pdf"
        if not result.exists() or result.stat().st_size == 0:
            raise ConversionFailed
        return result.read_bytes()

"""A faster hex-string reader for pyHanko 0.38.x, applied once at start-up (SigningConfig.ready).

Why: pyHanko's `generic.read_hex_string_from_stream` reads a hex string one byte at a time
(a Python call per byte, through `misc.read_non_whitespace`). A signature's /Contents is a
hex string of several thousand digits (the CMS container, plus the room reserved for it), so
reading the three signatures of a document was ~25 ms of every verification, and signing
pays it again for every signature already in the file. pyHanko has no setting for this.

What: `read_hex_string_from_stream` below reads the string up to its closing `>` in one go.
When everything between `<` and `>` is hex digits and PDF whitespace — every string pyHanko
or any ordinary writer produces — it decodes the digits with `binascii` and leaves the stream
just after the `>`, exactly where the original leaves it, and builds the value with the same
`generic.pdf_string`. Anything else (a `%` comment inside the string, a stray character, a
string that never ends) goes to pyHanko's original function from the string's start, so
unusual input gets the original's exact result or exception.
`capuyso/signing/tests/test_pyhanko_speedups.py` checks both readers give identical results
on real signed files and on the unusual cases.

Guard: the replacement is installed only on pyHanko 0.38.x and only over the function it was
written against (same module, same name, same signature); any other version keeps pyHanko's
own reader untouched (`apply()` returns False and logs why). Nothing is checked less: the
bytes read are the same, and every later check (integrity, chain, revocation, modification
analysis) runs on them as before.
"""

from __future__ import annotations

import binascii
import importlib.metadata
import inspect
import logging

from pyhanko.pdf_utils import generic, misc

logger = logging.getLogger(__name__)

SUPPORTED_PREFIX = "0.38."
_CHUNK = 16384
_WHITESPACE = misc.PDF_WHITESPACE
_HEX_DIGITS = generic.HEX_DIGITS

# pyHanko's own reader, kept before anything replaces it.
original_read_hex_string_from_stream = generic.read_hex_string_from_stream
_applied = False


def read_hex_string_from_stream(stream):
    """Read `<…hex…>` at the stream's position, like pyHanko's reader (see the module doc)."""
    start = stream.tell()
    stream.read(1)  # the opening "<"
    chunks = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:  # no closing ">": the original raises the right error
            stream.seek(start)
            return original_read_hex_string_from_stream(stream)
        end = chunk.find(b">")
        if end >= 0:
            chunks.append(chunk[:end])
            break
        chunks.append(chunk)
    body = b"".join(chunks)
    digits = body.translate(None, _WHITESPACE)
    if digits.translate(None, _HEX_DIGITS):  # a comment or a stray character
        stream.seek(start)
        return original_read_hex_string_from_stream(stream)
    stream.seek(start + 1 + len(body) + 1)  # just after the ">"
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def release(reader) -> None:
    """Drop what a reader cached while checking its signatures, once the check is over.

    A pyHanko reader and the objects it parsed point at each other (every object's
    `container_ref` names its reader), as do the per-revision views the modification
    analysis makes: a verified document stays in memory as reference cycles (~10,000 objects)
    that only Python's full garbage collection frees. Every few verifications that full
    collection then walks them all, plus the whole process: a pause of ~100 ms that made
    the slowest verifications twice the typical one. Emptying the caches here lets
    reference counting free the objects at once.

    Only for a reader that is no longer needed (`pdf.verify` calls it on its own reader at
    the end): it would re-read what it needs, but nothing should ask it again. Works on the
    reader's attributes as pyHanko 0.38 names them; a missing one is skipped, so another
    version only loses the saving.
    """
    for resolver in list(getattr(reader, "_historical_resolver_cache", {}).values()):
        cache = getattr(resolver, "cache", None)
        if isinstance(cache, dict):
            cache.clear()
        if hasattr(resolver, "_indirect_object_access_cache"):
            resolver._indirect_object_access_cache = None
    for name in ("_historical_resolver_cache", "resolved_objects"):
        cache = getattr(reader, name, None)
        if isinstance(cache, dict):
            cache.clear()
    if hasattr(reader, "_embedded_signatures"):
        reader._embedded_signatures = None


def pyhanko_version() -> str:
    try:
        return importlib.metadata.version("pyhanko")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - pyHanko is a dependency
        return ""


def supported(version: str | None = None) -> bool:
    """Is the installed pyHanko the one this patch was written for?"""
    version = pyhanko_version() if version is None else version
    if not version.startswith(SUPPORTED_PREFIX):
        return False
    target = original_read_hex_string_from_stream
    return (
        target.__module__ == "pyhanko.pdf_utils.generic"
        and target.__name__ == "read_hex_string_from_stream"
        and list(inspect.signature(target).parameters) == ["stream"]
    )


def apply() -> bool:
    """Install the fast reader once; False (pyHanko left as it is) on another version."""
    global _applied
    if _applied:
        return True
    if not supported():
        logger.warning(
            "pyhanko_speedups not applied: written for pyHanko %sx, found %s",
            SUPPORTED_PREFIX,
            pyhanko_version() or "unknown",
        )
        return False
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    _applied = True
    return True


def applied() -> bool:
    return generic.read_hex_string_from_stream is read_hex_string_from_stream


def remove() -> None:
    """Put pyHanko's own reader back (for tests that compare the two)."""
    global _applied
    generic.read_hex_string_from_stream = original_read_hex_string_from_stream
    _applied = False

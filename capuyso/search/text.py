"""Text for the search index and for showing hits: words, exact-diacritic keys, snippets.

Three forms of the same text are kept for each indexed object:

- the original (shown, highlighted);
- the folded words (`core.text.fold`: no diacritics, đ→d, lower case), which both backends
  index and every query is matched against;
- the exact words (`exact_text`): lower case with their diacritics, the tone mark moved to
  the end of the syllable, so that the old and new tone placements ("uỷ"/"ủy", "hoà"/"hòa")
  give the same key. A query typed with diacritics puts the hits holding those exact words
  first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from capuyso.core.text import fold

# Letters and digits; "_" and punctuation separate words (as FTS5's unicode61 tokenizer does).
WORD = re.compile(r"[^\W_]+")
# The five Vietnamese tone marks (combining): grave, acute, tilde, hook above, dot below.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
MAX_QUERY_WORDS = 12
ASCII_WORD = re.compile(r"[A-Za-z0-9]+")  # WORD, for ASCII text (the same words, faster)
# A character other than ASCII and the combining marks of Latin letters (U+0300–U+036F
# that are marks: not the grapheme joiner U+034F, which folding keeps).
_MARKED_ASCII = re.compile(
    "[^\x00-\x7f"
    + "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c)))
    + "]"
)


@lru_cache(maxsize=1)
def _combining() -> re.Pattern:
    marks = [chr(code) for code in range(0x10000) if unicodedata.combining(chr(code))]
    return re.compile("[" + "".join(re.escape(mark) for mark in marks) + "]+")


def fast_fold(text: str | None) -> str:
    """`core.text.fold` (less its whitespace clean-up), fast: the index folds every word of
    every object. Text that decomposes into ASCII and combining marks (Vietnamese with its
    usual punctuation) loses the marks by an ASCII encoding — half the time of a page of
    OCR text; any other text has its combining marks removed by one regular expression."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    if _MARKED_ASCII.search(decomposed) is None:  # ASCII letters and their marks only
        return decomposed.encode("ascii", "ignore").decode("ascii").lower()
    stripped = _combining().sub("", decomposed)
    return unicodedata.normalize("NFC", stripped).lower()


def folded_words(text: str | None) -> list[str]:
    folded = fast_fold(text)
    return (ASCII_WORD if folded.isascii() else WORD).findall(folded)


def folded_text(text: str | None) -> str:
    """The folded words joined by single spaces: what the index stores and matches."""
    return " ".join(folded_words(text))


@lru_cache(maxsize=65536)
def exact_key(word: str) -> str:
    """One word, lower case, its tone mark after the other letters (NFD)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    base = "".join(ch for ch in decomposed if ch not in TONE_MARKS)
    tones = "".join(ch for ch in decomposed if ch in TONE_MARKS)
    return base + tones


def exact_words(text: str | None) -> list[str]:
    if not text:
        return []
    return list(map(exact_key, WORD.findall(unicodedata.normalize("NFC", text).lower())))


def exact_text(text: str | None) -> str:
    """The exact words between spaces (" kê\u0301 hoach\u0323 "), so that a word is found with
    a plain substring search for " word ". Each word once (a page of text holds ~40 % fewer
    distinct words than words: less for every ranked candidate to read)."""
    words = dict.fromkeys(exact_words(text))
    return f" {' '.join(words)} " if words else ""


def has_diacritics(word: str) -> bool:
    return fold(word) != word.lower()


# --- highlighting --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    if unicodedata.combining(ch):
        return ""
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def _one_to_one() -> tuple[dict[int, str], re.Pattern]:
    """A translation table for the characters that fold to exactly one character (all of
    Vietnamese, precomposed), and a pattern finding any other character."""
    table: dict[int, str] = {}
    others: list[str] = []
    for code in range(0x3000):
        ch = chr(code)
        folded = _fold_char(ch)
        if len(folded) == 1:
            if folded != ch:
                table[code] = folded
        else:
            others.append(re.escape(ch))
    return table, re.compile(f"[{''.join(others)}]|[^\x00-\u2fff]")


def _folded_with_positions(text: str) -> tuple[str, list[int] | None]:
    """The text folded character by character, and for each folded character the index of
    the original character it comes from (None: the same index, the common case)."""
    table, others = _one_to_one()
    if others.search(text) is None:
        return text.translate(table), None
    chars: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        chars.append(folded)
        positions.extend([index] * len(folded))
    return "".join(chars), positions


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...], prefix_last: bool) -> re.Pattern | None:
    if not words:
        return None
    alternatives = []
    for word in sorted(set(words), key=len, reverse=True):
        is_prefix = prefix_last and word == words[-1]
        end = "" if is_prefix else r"(?![^\W_])"
        alternatives.append(rf"(?<![^\W_]){re.escape(word)}{end}")
    return re.compile("|".join(alternatives))


@lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """For each folded character, a pattern class of every character folding to it."""
    table, _others = _one_to_one()
    groups: dict[str, list[str]] = {}
    for code, folded in table.items():
        groups.setdefault(folded, []).append(chr(code))
    return {
        folded: "[" + re.escape(folded) + "".join(re.escape(ch) for ch in chars) + "]"
        for folded, chars in groups.items()
    }


@lru_cache(maxsize=256)
def _original_pattern(words: tuple[str, ...], prefix_last: bool) -> re.Pattern:
    """`_pattern` for the original text: each letter of a folded word matches every
    character folding to it ("ke" → [kK…][eEèéẻẽẹêềếểễệ…]), so a text whose characters
    each fold to one is searched as it is, without folding it first."""
    classes = _letter_classes()
    alternatives = []
    for word in sorted(set(words), key=len, reverse=True):
        is_prefix = prefix_last and word == words[-1]
        end = "" if is_prefix else r"(?![^\W_])"
        letters = "".join(classes.get(ch, re.escape(ch)) for ch in word)
        alternatives.append(rf"(?<![^\W_]){letters}{end}")
    return re.compile("|".join(alternatives))


def _matches(text: str, words: tuple[str, ...], prefix_last: bool):
    """(start, end) in `text` of each matched word."""
    _table, others = _one_to_one()
    if others.search(text) is None:  # every character folds to one: no folding needed
        for match in _original_pattern(words, prefix_last).finditer(text):
            yield match.start(), match.end()
        return
    folded, positions = _folded_with_positions(text)
    for match in _pattern(words, prefix_last).finditer(folded):
        if match.end() == match.start():
            continue
        if positions is None:
            yield match.start(), match.end()
        else:
            yield positions[match.start()], positions[match.end() - 1] + 1


def _spans(text: str, words: tuple[str, ...], prefix_last: bool) -> list[tuple[int, int]]:
    """(start, end) of the matched words in the original text."""
    if not words or not text:
        return []
    spans: list[tuple[int, int]] = []
    for start, end in _matches(text, words, prefix_last):
        # Keep the combining marks that follow the last letter (decomposed input).
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        # Neighbouring words make one mark ("<mark>Kế hoạch</mark>").
        if spans and (start <= spans[-1][1] or not text[spans[-1][1] : start].strip()):
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(escape(text[last:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    parts.append(escape(text[last:]))
    return "".join(parts)


def highlight(text: str, words: tuple[str, ...], *, prefix_last: bool = True) -> SafeString:
    """`text` HTML-escaped, with the words of the (folded) query marked, diacritics or not."""
    return mark_safe(_marked(text or "", _spans(text or "", words, prefix_last)))  # noqa: S308


def snippet(
    text: str,
    words: tuple[str, ...],
    *,
    size: int = 240,
    prefix_last: bool = True,
    scan: int = 20000,
) -> SafeString:
    """A window of about `size` characters of `text` around the first matched word (the
    beginning when none matches), escaped, with the matched words marked."""
    text = " ".join((text or "")[:scan].split())
    if not text:
        return mark_safe("")  # noqa: S308
    first = next(_matches(text, words, prefix_last), None) if words else None
    start = 0
    if first is not None and first[0] > size // 3:
        start = text.rfind(" ", 0, first[0] - size // 4) + 1
    end = min(len(text), start + size)
    if end < len(text):
        cut = text.rfind(" ", start + size // 2, end)
        end = cut if cut > 0 else end
    # The words are then marked in the window only (a page of OCR text is searched up to
    # its first match, not through), the character after it included for the word's end.
    width = end - start
    window = _spans(text[start : end + 1], words, prefix_last)
    inside = [(s, min(e, width)) for s, e in window if s < width]
    body = _marked(text[start:end], inside)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{body}{suffix}")  # noqa: S308

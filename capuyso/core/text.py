"""Vietnamese text folding: one function for indexing and for querying."""

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics and map đ→d, so "Đảng ủy" matches "dang uy"."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())


def format_vnd(amount: int | None) -> str:
    """12500 -> '12.500 đ' regardless of the UI language."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " đ"

from capuyso.search.services import parse_query
from capuyso.search.text import exact_key, exact_text, folded_text, highlight, snippet


def test_folded_text_drops_marks_and_maps_d():
    assert folded_text("Kế hoạch chuyển đổi số") == "ke hoach chuyen doi so"
    assert folded_text("ĐẢNG ỦY xã Phú Cát") == "dang uy xa phu cat"
    assert folded_text("09-KH/ĐU") == "09 kh du"
    assert folded_text("snake_case, “quoted”") == "snake case quoted"


def test_exact_key_ignores_where_the_tone_mark_sits():
    assert exact_key("uỷ") == exact_key("ủy")
    assert exact_key("Hoà") == exact_key("hòa")
    assert exact_key("ủy") != exact_key("uy")
    assert exact_key("Đảng") != exact_key("Dang")


def test_exact_text_is_space_delimited_keys():
    text = exact_text("Đảng uỷ xã")
    assert text.startswith(" ") and text.endswith(" ")
    assert f" {exact_key('ủy')} " in text


def test_parse_query_keeps_exact_words_and_reference():
    parsed = parse_query("  Số 09 - KH/ĐU ")
    assert parsed.words == ["09", "kh", "du"]
    assert parsed.reference == "09-kh/du"
    assert parsed.exact == [exact_key("ĐU")]
    plain = parse_query("ke hoach chuyen doi so")
    assert plain.exact == []
    assert plain.reference == ""
    mixed = parse_query("kế hoach")
    assert mixed.exact == [exact_key("kế")]


def test_highlight_marks_words_with_or_without_diacritics_and_escapes():
    html = highlight("<b>Kế hoạch</b> chuyển đổi số & Đảng", ("ke", "hoach", "dang"))
    assert "<b>" not in html
    assert "&lt;b&gt;<mark>Kế hoạch</mark>&lt;/b&gt;" in html
    assert "&amp; <mark>Đảng</mark>" in html


def test_highlight_marks_whole_words_and_a_prefix_for_the_last_word():
    html = highlight("song so sông số", ("so",), prefix_last=False)
    assert html == "song <mark>so</mark> sông <mark>số</mark>"
    html = highlight("chuyển chuyên", ("chuy",))
    assert html == "<mark>chuy</mark>ển <mark>chuy</mark>ên"


def test_highlight_keeps_decomposed_marks_inside_the_mark():
    decomposed = "Ke\u0302\u0301 hoa\u0323ch"
    html = highlight(decomposed, ("ke",), prefix_last=False)
    assert html == "<mark>Ke\u0302\u0301</mark> hoa\u0323ch"


def test_snippet_is_a_window_around_the_first_match():
    text = ("Mở đầu văn bản dài dòng. " * 30) + "Nội dung về chuyển đổi số ở xã." + (" Kết." * 50)
    html = snippet(text, ("chuyen", "doi"), size=120)
    assert html.startswith("… ")
    assert "<mark>chuyển đổi</mark>" in html
    assert html.endswith(" …")
    assert len(html) < 220


def test_snippet_of_text_without_match_is_its_beginning():
    assert snippet("Một <script>", ("khong",)) == "Một &lt;script&gt;"
    assert snippet("", ("x",)) == ""


def test_fast_fold_agrees_with_fold_on_any_script_and_form():
    import unicodedata

    from capuyso.core.text import fold
    from capuyso.search.text import fast_fold, folded_words

    samples = [
        "ĐẢNG ỦY xã Phú Cát – “Kế hoạch” số 09-KH/ĐU…",  # NFC, typographic punctuation
        unicodedata.normalize("NFD", "Nghị quyết của Đảng uỷ"),  # decomposed
        "Ke\u0302\u0301 hoa\u0323ch",  # decomposed by hand
        "Москва́ Ελλάδα ÑANDÚ straße",  # other scripts take the general path
        "a\u034fb",  # the grapheme joiner is not a mark: kept
    ]
    for text in samples:
        assert " ".join(fast_fold(text).split()) == fold(text)
    assert folded_words("Kế hoạch – chuyển đổi số") == ["ke", "hoach", "chuyen", "doi", "so"]
    assert folded_words("Ελλάδα 2026") == ["ελλαδα", "2026"]


def test_exact_text_keeps_each_word_once_in_order():
    assert exact_text("Đảng ủy, Đảng uỷ và đảng viên") == (
        f" {exact_key('đảng')} {exact_key('ủy')} {exact_key('và')} {exact_key('viên')} "
    )

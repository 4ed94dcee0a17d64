"""The OCR bench's measures (bench/archive_ocr.py), without running OCR."""

import random

from bench import archive_ocr as bench


def test_levenshtein_and_the_line_aligned_distance():
    assert bench.levenshtein("kế hoạch", "kế hoạch") == 0
    assert bench.levenshtein("kế hoạch", "ke hoach") == 2
    assert bench.levenshtein("", "abc") == 3
    truth = "ĐẢNG BỘ XÃ\nSố 12-KH/ĐU\nKẾ HOẠCH"
    # Blank lines and repeated spaces do not count; a changed line costs its edits.
    assert bench.distance(truth, "ĐẢNG  BỘ XÃ\n\nSố 12-KH/DU\nKẾ HOẠCH\n") == 1
    assert bench.distance(truth, "ĐẢNG BỘ XÃ\nKẾ HOẠCH") == len("Số 12-KH/ĐU")


def test_accuracy_as_drawn_and_folded():
    result = bench.accuracy([("Kế hoạch chuyển đổi số", "Ke hoach chuyen doi so")])
    assert result["char_accuracy"] < 0.8
    assert result["char_accuracy_folded"] == 1.0 and result["word_recall_folded"] == 1.0


def test_pages_read_back_their_metadata():
    lines = bench.page_lines(random.Random(1))
    assert len(lines) == 5 + bench.BODY_LINES and lines[1].startswith("Số ")
    text = "\n".join(lines)
    from capuyso.documents.extract import extract_metadata

    found = extract_metadata(text)
    proposed = {
        "reference": found.reference,
        "document_date": found.document_date.isoformat(),
        "type_abbreviation": found.type_abbreviation,
    }
    result = bench.metadata_accuracy([(text, proposed), (text, {})])
    assert result["metadata_reference"] == result["metadata_document_date"] == 0.5
    assert result["metadata_summary"] == 0.0 and result["metadata_issuer_name"] == 0.0
    assert bench.metadata_accuracy([("không có gì", {})])["metadata_reference"] is None

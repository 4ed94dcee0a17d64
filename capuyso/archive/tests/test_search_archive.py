"""Archive items in the platform-wide search: found without diacritics deep in their OCR
text, by reference first, by the committee's readers only, never once disposed of, and in
`capuyso search --json` with the file name they came from."""

import datetime as dt
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from capuyso.archive.models import ArchiveItem
from capuyso.archive.search import (
    TEXT_CAP,
    ArchiveItemSource,
    archive_items_for_search,
    capped_text,
    index_dossier_items,
)
from capuyso.documents.tests.factories import doc_type
from capuyso.search.index import index_object, reindex
from capuyso.search.models import SearchEntry
from capuyso.search.services import CommitteeViewer, search
from capuyso.search.tests.factories import codes, dossier

pytestmark = pytest.mark.django_db

# What OCR gives for a scanned page: line breaks mid-sentence, a hyphenated word, stray
# marks. The words searched for below come near its end.
OCR_PAGE = """ĐẢNG BỘ XÃ PHÚ CÁT                 ĐẢNG CỘNG SẢN VIỆT NAM
CHI BỘ THÔN ĐỒNG CÁT
         *                           Phú Cát, ngày 12 tháng 3 năm 1998
     Số 07-BB/CB

BIÊN BẢN
sinh hoạt chi bộ tháng 3 năm 1998

Thời gian: bắt đầu lúc 19 giờ 30 phút, ngày 12/3/1998.
Địa điểm: nhà văn hóa thôn Đồng Cát.
Thành phần: đồng chí Nguyễn Văn Bình, bí thư chi bộ, chủ trì; đồng chí Trần Thị Hạnh,
phó bí thư, thư ký. Có mặt 24/26 đảng viên, vắng 2 (có lý do).
"""
FILLER = (
    "Chi bộ đánh giá kết quả thực hiện nghị quyết tháng trước, các đảng viên phát biểu ý "
    "kiến đóng góp về công tác xây dựng đảng, phát triển kinh tế hộ gia đình, giữ gìn an ninh "
    "trật tự trên địa bàn thôn và việc thu nộp đảng phí đầy đủ, đúng kỳ hạn. "
)
DEEP = "Chi bộ thống nhất giao đồng chí Lê Văn Cường phụ trách việc tu sửa đê bao Cồn Xanh."


def ocr_text() -> str:
    text = OCR_PAGE + FILLER * 11 + "\n" + DEEP + "\nBiên bản kết thúc lúc 21 giờ cùng ngày."
    assert 3000 <= len(text) <= 3600
    return text


def make_item(
    cast, *, name="scan-0007.pdf", text="", committee=None, index=True, **fields
) -> ArchiveItem:
    committee = committee or cast.committee
    digest = hashlib.sha256(f"{committee.pk}/{name}/{text}".encode()).hexdigest()
    item = ArchiveItem.objects.create(
        committee=committee,
        source_name=name,
        file=f"archive/{digest}.pdf",
        content_type="application/pdf",
        size=len(text) or 1,
        sha256=digest,
        text=text,
        text_source=ArchiveItem.TextSource.OCR if text else ArchiveItem.TextSource.NONE,
        **fields,
    )
    if index:
        index_object(item)
    return item


def item_url(item) -> str:
    return f"/archive/items/{item.code}/"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- found the way a clerk types --------------------------------------------------------------


def test_a_clerk_finds_a_scanned_page_by_words_typed_without_diacritics(cast):
    scan = make_item(cast, name="BB-chi-bo-1998-03.pdf", text=ocr_text(), year=1998)
    make_item(cast, name="other.pdf", text="Báo cáo thu chi quỹ thôn năm 1998.")
    page = search(user=cast.clerk, query="de bao con xanh")
    assert [hit.code for hit in page.hits] == [str(scan.code)]
    hit = page.hits[0]
    assert hit.kind == "archive_item"
    assert hit.kind_label == str(ArchiveItemSource.label)  # "Archive items", translated
    assert hit.title == "BB-chi-bo-1998-03.pdf"  # no confirmed title yet: the file name
    assert hit.source_name == "BB-chi-bo-1998-03.pdf"
    assert hit.year == 1998
    assert hit.url == item_url(scan)
    # The snippet is taken where the words are, ~3,000 characters into the text.
    assert "<mark>đê bao Cồn Xanh</mark>" in hit.snippet
    assert hit.snippet.startswith("… ")
    assert "ĐẢNG BỘ XÃ" not in hit.snippet
    # Words from the middle and the top are found too, with or without the marks.
    assert codes(cast.clerk, "le van cuong phu trach") == [str(scan.code)]
    assert codes(cast.clerk, "biên bản sinh hoạt chi bộ tháng 3") == [str(scan.code)]
    assert codes(cast.clerk, "DANG CONG SAN VIET NAM") == [str(scan.code)]


def test_the_index_holds_the_folded_text_of_a_long_page(cast):
    scan = make_item(cast, text=ocr_text())
    row = SearchEntry.objects.get(kind="archive_item", object_id=scan.pk)
    assert row.body == scan.text
    assert "de bao con xanh" in row.body_folded
    assert "đ" not in row.body_folded and "ê" not in row.body_folded
    assert row.source_name == "scan-0007.pdf"
    assert row.body_folded.endswith("scan 0007 pdf")  # the file name is searchable too
    assert codes(cast.clerk, "scan 0007") == [str(scan.code)]


def test_confirmed_metadata_gives_the_title_reference_date_unit_and_type(cast):
    folder = dossier(cast, title="Hồ sơ chi bộ Đồng Cát 1998", year=1998, unit=cast.cell)
    kh = doc_type(cast.committee, "KH")
    item = make_item(
        cast,
        text=ocr_text(),
        dossier=folder,
        title="Kế hoạch tu sửa đê bao",
        reference="07-KH/CB",
        document_date=dt.date(1998, 3, 12),
        doc_type=kh,
    )
    hit = search(user=cast.clerk, query="ke hoach tu sua").hits[0]
    assert hit.code == str(item.code)
    assert hit.title == "Kế hoạch tu sửa đê bao"
    assert "<mark>Kế hoạch tu sửa</mark>" in hit.title_html
    assert hit.reference == "07-KH/CB"
    assert hit.date == dt.date(1998, 3, 12) and hit.year == 1998  # the year from the date
    assert hit.unit_name == cast.cell.name and hit.type_label == kh.name
    assert hit.source_name == "scan-0007.pdf"
    # The filters of the results page: the dossier's unit (or a unit above it), year, type.
    clerk = cast.clerk
    assert codes(clerk, "tu sua", kinds=["archive_item"], unit=cast.cell.code) == [str(item.code)]
    assert codes(clerk, "tu sua", unit=cast.other_cell.code) == []
    assert codes(clerk, "tu sua", year=1998, doc_type=kh.code) == [str(item.code)]
    assert codes(clerk, "tu sua", year=1999) == []


def test_a_reference_query_ranks_that_exact_item_first(cast):
    # Items that cite the reference in their text, ingested after the one that bears it.
    wanted = make_item(cast, name="a.pdf", text="Nội dung khác.", reference="09-KH/ĐU")
    for number in range(3):
        make_item(
            cast,
            name=f"cite-{number}.pdf",
            text=f"Thực hiện Kế hoạch số 09-KH/ĐU của Đảng ủy, lần {number}. " * 3,
            reference=f"{number + 10}-KH/ĐU",
        )
    make_item(cast, name="b.pdf", text="Khác", reference="09-KH/ĐU-bis")
    for query in ("09-KH/ĐU", "09-kh/du", "số 09 - KH/ĐU"):
        page = search(user=cast.clerk, query=query)
        assert page.hits[0].code == str(wanted.code), query
        assert page.hits[0].exact_reference
    assert len(search(user=cast.clerk, query="09-KH/ĐU").hits) == 5


def test_a_query_with_diacritics_ranks_the_exact_words_first(cast):
    loose = make_item(cast, name="ban.pdf", text="Ban chấp hành họp bàn về ban tuyên giáo.")
    exact = make_item(cast, name="tin.pdf", text="Bản tin nội bộ của chi bộ.")
    assert codes(cast.clerk, "bản")[0] == str(exact.code)
    assert codes(cast.clerk, "ban")[0] == str(loose.code)


# --- who may find them ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "secretary", "standing", "committee_member"])
def test_the_committees_document_readers_find_items(cast, who):
    item = make_item(cast, text=ocr_text())
    assert codes(getattr(cast, who), "con xanh") == [str(item.code)]


@pytest.mark.parametrize("who", ["cell_secretary", "cell_deputy", "member", "admin"])
def test_those_without_committee_wide_document_reading_find_no_item(cast, who):
    folder = dossier(cast, title="Hồ sơ chi bộ", unit=cast.cell)
    make_item(cast, text=ocr_text(), dossier=folder)
    user = getattr(cast, who)
    page = search(user=user, query="con xanh")
    assert page.hits == []
    assert "archive_item" not in {kind for kind, _label in page.kinds}
    assert search(user=user, query="con xanh", kinds=["archive_item"]).hits == []


def test_another_committee_never_sees_an_item(cast):
    mine = make_item(cast, text=ocr_text())
    theirs = make_item(cast, text=ocr_text(), committee=cast.other)
    assert codes(cast.outsider_clerk, "con xanh") == [str(theirs.code)]
    assert codes(cast.outsider, "con xanh") == []  # their tenant admin reads no documents
    assert codes(cast.clerk, "con xanh") == [str(mine.code)]
    assert codes(cast.city_viewer, "con xanh") == []
    by_committee = search(user=CommitteeViewer(cast.other.pk), query="con xanh")
    assert [hit.code for hit in by_committee.hits] == [str(theirs.code)]


# --- disposed of ------------------------------------------------------------------------------


def test_a_disposed_item_leaves_the_index_and_is_never_found(cast):
    item = make_item(cast, text=ocr_text())
    kept = make_item(cast, name="kept.pdf", text=ocr_text() + " Bản lưu.")
    ArchiveItem.objects.filter(pk=item.pk).update(disposed_at=timezone.now())
    item.refresh_from_db()
    index_object(item)  # what the services do when they dispose of an item
    assert not SearchEntry.objects.filter(kind="archive_item", object_id=item.pk).exists()
    assert codes(cast.clerk, "con xanh") == [str(kept.code)]
    assert codes(CommitteeViewer(cast.committee.pk), "con xanh") == [str(kept.code)]
    # The items a reader may find leave it out too, and a rebuild does not index it.
    assert item not in archive_items_for_search(cast.clerk)
    assert reindex(kinds=["archive_item"]) == {"archive_item": 1}
    assert not SearchEntry.objects.filter(kind="archive_item", object_id=item.pk).exists()


def test_a_row_left_behind_by_a_write_outside_the_services_is_dropped_by_a_rebuild(cast):
    item = make_item(cast, text=ocr_text())
    ArchiveItem.objects.filter(pk=item.pk).update(disposed_at=timezone.now())
    assert reindex(kinds=["archive_item"]) == {"archive_item": 0}
    assert codes(cast.clerk, "con xanh") == []


def test_the_committees_readers_hits_are_not_checked_one_by_one(cast):
    # The index holds no disposed item, so a committee-wide reader's archive hits need no
    # lookup in the items table (one per match: the cost of a common word at scale).
    from capuyso.search.services import _is_whole_committee, _scopes

    scopes = dict((s.kind, (s, v)) for s, v in _scopes(cast.clerk))
    source, visible = scopes["archive_item"]
    assert _is_whole_committee(source, visible, cast.committee.pk)


def test_a_disposed_dossiers_items_disappear(cast):
    from capuyso.archive.models import Dossier

    folder = dossier(cast, title="Hồ sơ hết hạn", year=2001)
    other = dossier(cast, title="Hồ sơ vĩnh viễn", number="06", year=2001)
    inside = [
        make_item(cast, name=f"{n}.pdf", text=ocr_text() + f" {n}", dossier=folder)
        for n in range(3)
    ]
    elsewhere = make_item(cast, name="x.pdf", text=ocr_text() + " x", dossier=other)
    loose = make_item(cast, name="y.pdf", text=ocr_text() + " y")  # in no dossier
    assert len(codes(cast.clerk, "con xanh")) == 5
    Dossier.objects.filter(pk=folder.pk).update(disposed_at=timezone.now())
    folder.refresh_from_db()
    assert index_dossier_items(folder) == 0  # what the disposal service does
    gone = SearchEntry.objects.filter(kind="archive_item", object_id__in=[i.pk for i in inside])
    assert not gone.exists()
    expected = {str(elsewhere.code), str(loose.code)}
    assert set(codes(cast.clerk, "con xanh")) == expected
    assert set(codes(CommitteeViewer(cast.committee.pk), "con xanh")) == expected
    assert index_dossier_items(other) == 1
    assert set(codes(cast.clerk, "con xanh")) == expected
    assert not archive_items_for_search(cast.clerk).filter(dossier=folder).exists()


# --- the command line -------------------------------------------------------------------------


def test_the_command_prints_kind_code_title_score_and_source_name(cast):
    scan = make_item(cast, name="BB-1998-03.pdf", text=ocr_text(), reference="07-BB/CB")
    make_item(cast, name="loose.pdf", text="Đê bao Cồn Xanh được tu sửa xong.")
    theirs = make_item(cast, name="theirs.pdf", text=ocr_text(), committee=cast.other)
    disposed = make_item(cast, name="gone.pdf", text=ocr_text() + " gone")
    ArchiveItem.objects.filter(pk=disposed.pk).update(disposed_at=timezone.now())
    disposed.refresh_from_db()
    index_object(disposed)
    dossier(cast, title="Hồ sơ đê bao Cồn Xanh")
    results = json.loads(run("search", "de bao con xanh", "--committee", "phu-cat", "--json"))
    by_code = {r["code"]: r for r in results}
    assert str(theirs.code) not in by_code and str(disposed.code) not in by_code
    assert {r["kind"] for r in results} == {"archive_item", "dossier"}
    row = by_code[str(scan.code)]
    assert row["kind"] == "archive_item"
    assert row["title"] == "BB-1998-03.pdf"
    assert row["source_name"] == "BB-1998-03.pdf"
    assert row["reference"] == "07-BB/CB"
    assert isinstance(row["score"], float)
    assert all("source_name" in r for r in results if r["kind"] == "archive_item")
    assert all("source_name" not in r for r in results if r["kind"] != "archive_item")
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    only = json.loads(
        run("search", "07-BB/CB", "--committee", "phu-cat", "--json", "--kind", "archive_item")
    )
    assert only[0]["code"] == str(scan.code) and only[0]["source_name"] == "BB-1998-03.pdf"


def test_reindex_fills_the_index_with_the_committees_items(cast):
    make_item(cast, text=ocr_text(), index=False)
    make_item(cast, text=ocr_text(), committee=cast.other, index=False)
    counts = json.loads(run("search_reindex", "--committee", "phu-cat", "--kind", "archive_item"))
    assert counts == {"archive_item": 1}
    assert len(codes(cast.clerk, "con xanh")) == 1


# --- the text cap -----------------------------------------------------------------------------


def test_a_very_long_text_is_indexed_up_to_the_cap_at_a_whole_word(cast):
    long_text = "Trang đầu có từ khóa mở đầu. " + "nội dung báo cáo " * 3000 + "cuối cùng"
    assert len(long_text) > 2 * TEXT_CAP
    item = make_item(cast, text=long_text)
    row = SearchEntry.objects.get(kind="archive_item", object_id=item.pk)
    assert TEXT_CAP - 200 <= len(row.body) <= TEXT_CAP
    assert row.body == long_text[: len(row.body)] and not row.body.endswith(" ")
    assert long_text[len(row.body)] == " "  # cut before a space, never inside a word
    assert codes(cast.clerk, "tu khoa mo dau") == [str(item.code)]
    assert codes(cast.clerk, "cuoi cung") == []  # beyond the cap
    assert capped_text("ngắn") == "ngắn" and capped_text(None) == ""
    assert capped_text("x" * (TEXT_CAP + 5)) == "x" * TEXT_CAP  # one endless "word"


def test_an_item_without_text_is_found_by_its_file_name(cast):
    item = make_item(cast, name="Công văn 123 - Sở Nội vụ.jpg")
    page = search(user=cast.clerk, query="cong van 123 so noi vu")
    assert [hit.code for hit in page.hits] == [str(item.code)]
    assert page.hits[0].snippet == ""


# --- the results page ------------------------------------------------------------------------


def test_the_results_page_shows_an_item_with_its_file_name_and_snippet(cast, client_for):
    scan = make_item(cast, name="BB-1998-03.pdf", text=ocr_text())
    url = reverse("search:results")
    html = client_for(cast.clerk).get(url, {"q": "de bao con xanh"}).content.decode()
    assert "BB-1998-03.pdf" in html
    assert "<mark>đê bao Cồn Xanh</mark>" in html
    assert '<option value="archive_item"' in html
    only = client_for(cast.clerk).get(url, {"q": "con xanh", "kind": "archive_item"})
    assert [hit.code for hit in only.context["page"].hits] == [str(scan.code)]
    for user in (cast.cell_secretary, cast.outsider_clerk):
        page = client_for(user).get(url, {"q": "de bao con xanh"}).context["page"]
        assert page.hits == []

"""One search across the platform: folding, ranking, references and every permission."""

import datetime as dt

import pytest
from django.db import connection

from capuyso.core.testing import make_member
from capuyso.documents.models import Secrecy
from capuyso.documents.services.incoming import incoming_allow_summary, incoming_update
from capuyso.documents.tests.factories import doc_type
from capuyso.meetings.services.meetings import agenda_item_remove, meeting_update
from capuyso.members.services.file import member_update
from capuyso.search.index import index_object, reindex
from capuyso.search.models import SearchEntry
from capuyso.search.services import CommitteeViewer, search
from capuyso.search.tests.factories import (
    codes,
    dossier,
    incoming,
    kinds_found,
    meeting,
    member,
    outgoing,
)
from capuyso.search.text import exact_text, folded_text


def as_committee(cast):
    return CommitteeViewer(cast.committee.pk)


# --- documents and dossiers, end to end ------------------------------------------------------


def test_words_without_diacritics_find_a_document_and_a_dossier(cast):
    document = incoming(cast)
    folder = dossier(cast)
    page = search(user=cast.clerk, query="ke hoach chuyen doi so")
    assert [hit.code for hit in page.hits] == [str(document.code)]
    hit = page.hits[0]
    assert hit.kind == "incoming"
    assert hit.url == f"/documents/incoming/{document.code}/"
    assert "<mark>Kế hoạch chuyển đổi số</mark>" in hit.title_html
    assert codes(cast.clerk, "ho so chuyen doi so") == [str(folder.code)]
    assert kinds_found(cast.clerk, "chuyen doi so") == {"incoming", "dossier"}


def test_the_last_word_may_be_unfinished(cast):
    document = incoming(cast)
    assert codes(cast.clerk, "ke hoach chuyen d") == [str(document.code)]
    assert codes(cast.clerk, "ke hoach chuyen dx") == []


def test_every_word_must_be_there(cast):
    incoming(cast)
    assert codes(cast.clerk, "ke hoach tai chinh") == []


def test_a_query_with_diacritics_ranks_exact_diacritic_matches_first(cast):
    # "Ban" and "Bản" fold alike; the one typed with its marks comes first, whatever the date
    # or the relevance of the other.
    exact = incoming(cast, summary="Bản kế hoạch năm", reference="1-KH/TU")
    loose = incoming(cast, summary="Ban kế hoạch ban", reference="2-KH/TU")
    assert codes(cast.clerk, "bản kế hoạch") == [str(exact.code), str(loose.code)]
    assert codes(cast.clerk, "ban ke hoach")[0] == str(loose.code)  # more "ban", newer
    # The old tone placement ("uỷ") counts as the same exact word as "ủy".
    issuer = {"issuer_name": "Sở Nội vụ"}
    old_style = incoming(cast, summary="Nghị quyết của Đảng uỷ", reference="3-NQ/ĐU", **issuer)
    other = incoming(cast, summary="Nghị quyết của Đảng uy", reference="4-NQ/ĐU", **issuer)
    assert codes(cast.clerk, "Đảng ủy nghị quyết")[:2] == [str(old_style.code), str(other.code)]


@pytest.mark.parametrize("reference", ["09-KH/ĐU", "123-CV/TU"])
def test_a_reference_finds_that_document_first(cast, reference):
    wanted = incoming(cast, summary="Văn bản cần tìm", reference=reference)
    # Documents that mention the same numbers and letters in their text, registered later.
    for number in range(3):
        incoming(
            cast,
            summary=f"Thực hiện {reference} của cấp trên, lần {number}",
            reference=f"{number + 200}-KH/ĐU",
        )
    longer = incoming(cast, summary="Văn bản khác", reference=f"{reference}-BS")
    for typed in (reference, reference.lower(), f"Số {reference}", reference.replace("Đ", "D")):
        page = search(user=cast.clerk, query=typed)
        assert page.hits[0].code == str(wanted.code), typed
        assert page.hits[0].exact_reference
        assert page.hits[1].code == str(longer.code)  # a reference starting with it, next


def test_outgoing_body_and_recipients_are_searched(cast):
    document = outgoing(cast, body="Đề nghị các chi bộ rà soát danh sách đảng viên miễn sinh hoạt")
    page = search(user=cast.clerk, query="mien sinh hoat")
    assert [hit.code for hit in page.hits] == [str(document.code)]
    assert "<mark>miễn sinh hoạt</mark>" in page.hits[0].snippet


def test_edits_reach_the_index(cast):
    document = incoming(cast, summary="Kế hoạch cũ")
    incoming_update(
        actor=cast.clerk, document=document, version=document.version, summary="Thông báo mới"
    )
    assert codes(cast.clerk, "ke hoach cu") == []
    assert codes(cast.clerk, "thong bao moi") == [str(document.code)]
    assert SearchEntry.objects.filter(kind="incoming").count() == 1


def test_an_ultra_secret_summary_is_searchable_only_once_allowed(cast):
    document = incoming(
        cast, summary="", reference="7-NQ/TW", secrecy=Secrecy.ULTRA_SECRET, paper_holder="Văn thư"
    )
    assert codes(cast.clerk, "7-NQ/TW") == [str(document.code)]
    incoming_allow_summary(actor=cast.secretary, document=document, summary="Nghị quyết nhân sự")
    assert codes(cast.clerk, "nghi quyet nhan su") == [str(document.code)]


def test_filters_by_kind_year_unit_and_type(cast):
    plan = incoming(cast, summary="Chuyển đổi số ở thôn")
    report = incoming(
        cast,
        summary="Chuyển đổi số: báo cáo",
        reference="5-BC/ĐU",
        doc_type=doc_type(cast.committee, "BC"),
    )
    cell_copy = incoming(
        cast,
        summary="Chuyển đổi số ở chi bộ",
        reference="6-KH/ĐU",
        actor=cast.cell_secretary,
        receiving_unit=cast.cell,
    )
    old = dossier(cast, title="Chuyển đổi số năm trước", year=2024, unit=cast.cell)
    assert set(codes(cast.clerk, "chuyen doi so", kinds=["dossier"])) == {str(old.code)}
    assert set(codes(cast.clerk, "chuyen doi so", year=2024)) == {str(old.code)}
    assert set(codes(cast.clerk, "chuyen doi so", unit=str(cast.cell.code))) == {
        str(cell_copy.code),
        str(old.code),
    }
    assert set(codes(cast.clerk, "chuyen doi so", unit=cast.cell)) == {
        str(cell_copy.code),
        str(old.code),
    }
    report_type = doc_type(cast.committee, "BC")
    assert codes(cast.clerk, "chuyen doi so", doc_type=str(report_type.code)) == [str(report.code)]
    assert codes(cast.clerk, "chuyen doi so", doc_type=report_type) == [str(report.code)]
    assert len(codes(cast.clerk, "chuyen doi so")) == 4
    del plan
    # Unknown codes match nothing; a bad year is reported, not raised.
    assert codes(cast.clerk, "chuyen doi so", unit="not-a-code") == []
    assert codes(cast.clerk, "chuyen doi so", doc_type="00000000-0000-0000-0000-000000000000") == []
    assert search(user=cast.clerk, query="chuyen doi so", year="20x").errors == {"year": "invalid"}


def test_pages_are_bounded_and_continue(cast):
    for number in range(1, 8):
        incoming(cast, summary=f"Kế hoạch số {number}", reference=f"{number}-KH/ĐU")
    first = search(user=cast.clerk, query="ke hoach", per_page=3)
    second = search(user=cast.clerk, query="ke hoach", per_page=3, page=2)
    third = search(user=cast.clerk, query="ke hoach", per_page=3, page=3)
    assert first.has_next and second.has_next and not third.has_next
    seen = [h.code for h in first.hits + second.hits + third.hits]
    assert len(seen) == len(set(seen)) == 7
    beyond = search(user=cast.clerk, query="ke hoach", per_page=3, page=10_000)
    assert beyond.number == beyond.max_page
    assert search(user=cast.clerk, query="ke hoach", page="x").number == 1


def test_an_empty_or_punctuation_query_finds_nothing(cast):
    incoming(cast)
    assert search(user=cast.clerk, query="").hits == []
    assert search(user=cast.clerk, query=" ?! - ").hits == []


# --- meetings and members --------------------------------------------------------------------


def test_meetings_are_found_by_title_place_and_open_agenda_items(cast):
    held = meeting(
        cast,
        title="Sinh hoạt chi bộ tháng 12",
        items=["Kiểm điểm công tác năm", ("Nhân sự cấp ủy khóa mới", True)],
    )
    assert codes(cast.member, "kiem diem cong tac") == [str(held.code)]
    assert codes(cast.member, "nha van hoa") == [str(held.code)]
    # A confidential item's title is never indexed, even for those who may see it.
    assert codes(cast.secretary, "nhan su cap uy khoa moi") == []
    meeting_update(actor=cast.cell_secretary, meeting=held, title="Họp chi bộ cuối năm")
    assert codes(cast.member, "hop chi bo cuoi nam") == [str(held.code)]
    item = held.items.get(title="Kiểm điểm công tác năm")
    agenda_item_remove(actor=cast.secretary, item=item)
    assert codes(cast.member, "kiem diem cong tac") == []


def test_members_are_found_by_name_and_card_by_those_who_may_list_them(cast):
    person = member(cast, "Trần Thị Thu Hà", card_number="93001234")
    assert codes(cast.party_building, "tran thi thu ha") == [str(person.code)]
    assert codes(cast.cell_secretary, "93001234") == [str(person.code)]
    hit = search(user=cast.party_building, query="thu ha").hits[0]
    assert hit.url == f"/members/{person.code}/"
    # A clerk lists members (MEMBERS_VIEW) but may not open files: the hit leads to the list.
    clerk_hit = search(user=cast.clerk, query="thu ha").hits[0]
    assert clerk_hit.url.startswith("/members/?")
    member_update(
        actor=cast.secretary,
        member=person,
        data={"full_name": "Trần Thị Thu Hằng"},
        version=person.version,
    )
    assert codes(cast.party_building, "thu hang") == [str(person.code)]


# --- permissions ---------------------------------------------------------------------------


def test_an_outsider_never_sees_another_committees_hits(cast):
    incoming(cast)
    dossier(cast, title="Kế hoạch chuyển đổi số (hồ sơ)")
    meeting(cast, title="Kế hoạch chuyển đổi số", unit=False)
    make_member(cast.committee, cast.cell, "Kế Hoạch Số")
    reindex(kinds=["member"])
    theirs = incoming(
        cast,
        actor=cast.outsider_clerk,
        doc_type=doc_type(cast.other, "KH"),
        summary="Kế hoạch chuyển đổi số của xã bạn",
    )
    assert len(codes(cast.clerk, "ke hoach")) == 4
    for user in (cast.outsider, cast.outsider_clerk):
        assert set(codes(user, "ke hoach")) <= {str(theirs.code)}
    assert codes(cast.outsider_clerk, "ke hoach chuyen doi so") == [str(theirs.code)]
    assert codes(cast.outsider_clerk, "09-KH/ĐU") == [str(theirs.code)]
    assert codes(cast.city_viewer, "ke hoach") == []


def test_a_plain_member_sees_no_members_and_no_documents_beyond_their_role(cast):
    incoming(cast)
    incoming(cast, actor=cast.cell_secretary, receiving_unit=cast.cell, reference="1-KH/CB")
    outgoing(cast, summary="Kế hoạch chuyển đổi số năm sau")
    dossier(cast, title="Kế hoạch chuyển đổi số")
    member(cast, "Kế Hoạch Chuyển")
    cell_meeting = meeting(cast, title="Bàn kế hoạch chuyển đổi số")
    other_cell_meeting = meeting(
        cast, title="Kế hoạch chuyển đổi số trường học", unit=cast.other_cell, actor=cast.clerk
    )
    assert kinds_found(cast.clerk, "ke hoach chuyen") == {
        "incoming",
        "outgoing",
        "dossier",
        "meeting",
        "member",
    }
    assert codes(cast.member, "ke hoach chuyen") == [str(cell_meeting.code)]
    assert [k for k, _label in search(user=cast.member, query="x").kinds] == [
        "incoming",
        "outgoing",
        "meeting",
    ]
    assert str(other_cell_meeting.code) not in codes(cast.cell_secretary, "ke hoach chuyen")


def test_a_document_assigned_to_a_member_becomes_findable_for_them(cast):
    from capuyso.documents.models import Assignment

    document = incoming(cast)
    assert codes(cast.member, "ke hoach") == []
    Assignment.objects.create(
        committee=cast.committee, document=document, role="fyi", user=cast.member
    )
    assert codes(cast.member, "ke hoach") == [str(document.code)]


def test_a_cell_secretary_sees_the_cells_documents_and_members_only(cast):
    office = incoming(cast, summary="Kế hoạch của văn phòng")
    mine = incoming(
        cast,
        summary="Kế hoạch của chi bộ",
        reference="1-KH/CB",
        actor=cast.cell_secretary,
        receiving_unit=cast.cell,
    )
    ours = member(cast, "Kế Hoạch Một")
    theirs = member(cast, "Kế Hoạch Hai", cell=cast.other_cell)
    found = codes(cast.cell_secretary, "ke hoach")
    assert str(mine.code) in found and str(ours.code) in found
    assert str(office.code) not in found and str(theirs.code) not in found


def test_hits_are_checked_one_by_one_unless_the_app_gives_the_whole_committee(cast):
    from capuyso.search.services import _is_whole_committee, _scopes

    whole = {s.kind for s, v in _scopes(cast.clerk) if _is_whole_committee(s, v, cast.committee.pk)}
    assert whole == {"incoming", "outgoing", "dossier", "meeting", "member", "archive_item"}
    cell = {
        s.kind
        for s, v in _scopes(cast.cell_secretary)
        if _is_whole_committee(s, v, cast.committee.pk)
    }
    assert cell == set()


def test_a_row_left_behind_by_a_deletion_is_checked_or_dropped_by_reindex(cast):
    from capuyso.meetings.models import Meeting

    held = meeting(cast, title="Họp tạm")
    Meeting.objects.filter(pk=held.pk).delete()  # no service deletes meetings; an admin might
    assert SearchEntry.objects.filter(kind="meeting").exists()
    # Checked object by object for those who see part of the committee: never shown.
    assert codes(cast.member, "hop tam") == []
    assert codes(cast.cell_secretary, "hop tam") == []
    assert reindex(kinds=["meeting"]) == {"meeting": 0}
    assert not SearchEntry.objects.filter(kind="meeting").exists()
    assert codes(cast.clerk, "hop tam") == []


def test_the_committee_viewer_sees_every_kind_of_its_committee_only(cast):
    incoming(cast)
    make_member(cast.other, cast.foreign_cell, "Kế Hoạch Ngoài")
    member(cast, "Kế Hoạch Trong")
    reindex()
    page = search(user=as_committee(cast), query="ke hoach")
    assert {hit.kind for hit in page.hits} == {"incoming", "member"}
    assert all("Ngoài" not in hit.title for hit in page.hits)


def test_reindex_rebuilds_what_bulk_writes_left_out(cast):
    person = make_member(cast.committee, cast.cell, "Lê Bulk")
    assert codes(cast.secretary, "le bulk") == []
    counts = reindex(committee_id=cast.committee.pk)
    assert counts["member"] == 1
    assert codes(cast.secretary, "le bulk") == [str(person.code)]
    index_object(person)  # again: one row per object
    assert SearchEntry.objects.filter(kind="member").count() == 1


def test_hit_dates_units_and_types_are_shown(cast):
    document = incoming(cast, document_date=dt.date(2026, 1, 5))
    hit = search(user=cast.clerk, query="ke hoach").hits[0]
    assert hit.code == str(document.code)
    assert hit.date == dt.date(2026, 1, 5)
    assert hit.type_label == document.doc_type.name
    assert hit.unit_name == document.receiving_unit.name
    assert hit.as_dict()["kind"] == "incoming"
    assert "source_name" not in hit.as_dict()


def test_reindex_committees_fills_the_index_of_those_committees_only(cast):
    from capuyso.search.index import reindex_committees

    mine = make_member(cast.committee, cast.cell, "Lê Bulk")
    theirs = make_member(cast.other, cast.foreign_cell, "Lê Bulk Khác")
    counts = reindex_committees([cast.committee.pk])
    assert counts["member"] == 1
    assert codes(cast.secretary, "le bulk") == [str(mine.code)]
    assert not SearchEntry.objects.filter(kind="member", object_id=theirs.pk).exists()


def test_postgresql_chooses_between_the_newest_rows_and_the_index_in_one_statement(cast):
    from django.db.models import Q

    from capuyso.search import backends

    plan = backends.Plan(committee_id=7, kinds=["incoming", "member"], where=Q(), words=[])
    rare = backends.Plan(**{**plan.__dict__, "words": ["dang", "con", "xanh"]})
    assert backends.meta_tsquery(rare) == ""
    assert backends.tsquery(rare) == "'c7.dang' & 'c7.con' & 'c7.xanh'"
    prefix = backends.Plan(**{**rare.__dict__, "prefix_last": True, "year": 2001})
    assert backends.tsquery(prefix) == "'c7.dang' & 'c7.con' & 'c7.xanh':* & '_y2001'"
    # No filter: a probe of the committee's newest rows gates the two ways.
    sql, params = backends._postgresql(rare)
    assert sql.count("WITH probe AS MATERIALIZED") == 1
    assert "AND (SELECT common FROM probe)" in sql and "AND NOT (SELECT common FROM probe)" in sql
    assert "ts_match_vq(search_entry.tsv" in sql and "search_entry.tsv @@" in sql
    probe = [40, 7, backends.PROBE_ROWS, "'c7.dang' & 'c7.con' & 'c7.xanh'"]
    assert any(params[i : i + 4] == probe for i in range(len(params)))
    # A filter chosen: its lexemes make the index selective; no probe.
    sql, params = backends._postgresql(prefix)
    assert "probe" not in sql and "ts_match_vq" not in sql
    assert "'c7.dang' & 'c7.con' & 'c7.xanh':* & '_y2001'" in params


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own plan")
def test_postgresql_reads_common_words_newest_first_and_rare_ones_through_the_index(cast):
    from django.db.models import Q

    from capuyso.search import backends
    from capuyso.search.services import parse_query

    meetings = [
        str(incoming(cast, summary=f"Đảng ủy họp lần {n}", reference=f"{n + 1}-TB/ĐU").code)
        for n in range(40)
    ]
    dyke = incoming(cast, summary="Đê bao Cồn Xanh", reference="99-TB/ĐU")
    with connection.cursor() as cursor:  # the committee's own words, no positions
        cursor.execute(
            "SELECT tsv::text FROM search_entry WHERE kind = 'incoming' AND object_id = %s",
            [dyke.pk],
        )
        lexemes = cursor.fetchone()[0].split()
    assert f"'c{cast.committee.pk}.xanh'" in lexemes and "'xanh'" not in lexemes
    assert f"'_c{cast.committee.pk}'" in lexemes

    def way(query: str) -> str:
        """Which way PostgreSQL ran for the query: the other is never executed."""
        plan = backends.Plan(
            committee_id=cast.committee.pk,
            kinds=["incoming", "outgoing"],  # two kinds: no kind lexeme, so no filter
            where=Q(kind__in=["incoming", "outgoing"]),
            words=parse_query(query).words,
        )
        sql, params = backends._postgresql(plan)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        ran = set()  # each way sits under a one-time filter on the probe's outcome
        for number, line in enumerate(lines):
            if "One-Time Filter:" in line and "never executed" not in lines[number + 1]:
                ran.add("index" if "NOT" in line else "newest")
        assert len(ran) == 1, lines
        return ran.pop()

    assert way("dang uy") == "newest"  # in every one of the 41 rows
    assert way("con xanh") == "index"  # in one
    found = codes(cast.clerk, "dang uy")
    assert len(found) == 20 and set(found) <= set(meetings)  # a page of the 40
    assert codes(cast.clerk, "hop lan 39")[0] == meetings[39]  # the phrase, first
    assert codes(cast.clerk, "con xanh") == [str(dyke.code)]
    assert codes(cast.outsider_clerk, "dang uy") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage")
def test_postgresql_keeps_the_ranked_texts_in_the_row_compressed_with_lz4(cast):
    """Search migration 0006: the folded text and the exact words a candidate is ranked on
    are stored in the row (storage MAIN), compressed with lz4 where the server has it, as
    is the tsvector; a page of text is indexed and found as before."""
    import random

    syllables = ["công", "tác", "xây", "dựng", "Đảng", "nghị", "quyết", "thôn", "xóm"]
    draw = random.Random(8)
    text = " ".join(draw.choice(syllables) for _ in range(600)) + " kết luận cuối trang"
    document = incoming(cast, summary="Nghị quyết dài", reference="500-NQ/ĐU")
    entry = SearchEntry.objects.get(kind="incoming", object_id=document.pk)
    SearchEntry.objects.filter(pk=entry.pk).update(
        body=text, body_folded=folded_text(text), exact=exact_text(text)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        method = "lz4" if cursor.fetchone()[0] else "pglz"
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute "
            "WHERE attrelid = 'search_entry'::regclass "
            "AND attname IN ('body', 'body_folded', 'exact', 'tsv')"
        )
        storage = dict(cursor.fetchall())
        cursor.execute(
            # (The exact words, each once, are short here: stored as they are.)
            "SELECT pg_column_compression(body_folded), pg_column_compression(tsv) "
            "FROM search_entry WHERE id = %s",
            [entry.pk],
        )
        methods = list(cursor.fetchone())
    assert storage == {"body": "x", "body_folded": "m", "exact": "m", "tsv": "m"}
    assert methods == [method] * 2
    assert codes(cast.clerk, "ket luan cuoi trang") == [str(document.code)]

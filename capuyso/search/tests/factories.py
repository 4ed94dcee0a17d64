"""Builders for search tests: objects made through their apps' services, so the index is
filled the way it is in use."""

from __future__ import annotations

import datetime as dt

from capuyso.archive.services import dossier_create
from capuyso.documents.services.outgoing import outgoing_create
from capuyso.documents.tests.factories import doc_type, register
from capuyso.meetings.services.meetings import agenda_item_add, meeting_create
from capuyso.search.services import search


def incoming(cast, summary="Kế hoạch chuyển đổi số", reference="09-KH/ĐU", **kw):
    return register(cast, summary=summary, reference=reference, **kw)


def outgoing(cast, summary="Báo cáo kết quả thu đảng phí", body="", **kw):
    return outgoing_create(
        actor=kw.pop("actor", cast.clerk),
        doc_type=kw.pop("doc_type", doc_type(cast.committee, "BC")),
        summary=summary,
        body=body,
        **kw,
    )


def dossier(cast, title="Hồ sơ chuyển đổi số năm 2026", number="05", year=2026, **kw):
    return dossier_create(
        actor=kw.pop("actor", cast.clerk), file_number=number, title=title, year=year, **kw
    )


def meeting(cast, title="Sinh hoạt chi bộ tháng 11", *, unit=None, items=(), **kw):
    from django.utils import timezone

    from capuyso.meetings.models import Meeting

    unit = cast.cell if unit is None else unit or None
    starts = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0)
    created = meeting_create(
        actor=kw.pop("actor", cast.cell_secretary if unit else cast.secretary),
        committee=cast.committee,
        unit=unit,
        kind=Meeting.Kind.CELL_REGULAR if unit else Meeting.Kind.EXECUTIVE,
        title=title,
        starts_at=starts + dt.timedelta(days=2),
        place=kw.pop("place", "Nhà văn hóa thôn"),
        **kw,
    )
    for item in items:
        title_, confidential = item if isinstance(item, tuple) else (item, False)
        agenda_item_add(
            actor=cast.secretary, meeting=created, title=title_, confidential=confidential
        )
    return created


def codes(user, query, **kw) -> list[str]:
    return [hit.code for hit in search(user=user, query=query, **kw).hits]


def kinds_found(user, query, **kw) -> set[str]:
    return {hit.kind for hit in search(user=user, query=query, **kw).hits}


def member(cast, full_name="Nguyễn Văn An", cell=None, **extra):
    from capuyso.members.models import Member
    from capuyso.members.services.file import member_create

    data = {
        "full_name": full_name,
        "sex": Member.Sex.MALE,
        "date_of_birth": dt.date(1980, 4, 2),
        "admission_date": dt.date(2005, 6, 10),
        "full_membership_date": dt.date(2006, 6, 10),
        "cell": cell or cast.cell,
    }
    data.update(extra)
    return member_create(actor=cast.secretary, committee=cast.committee, data=data)

"""The platform's own search sources: incoming and outgoing documents, dossiers, meetings,
members. Visibility always comes from the owning app's selector.

The archive's items plug in the same way, from the archive app (capuyso/archive/search.py:
`ArchiveItemSource`, registered in `ArchiveConfig.ready()`; its text capped at 20,000
characters, its disposed items left out of the index and of every user's scope), and
`index_object(item)` where its services write an item (ingest, OCR done, metadata
confirmed). Hits then carry `source_name`, which `capuyso search --json` prints.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.roles import Action
from capuyso.search.registry import HitLink, IndexDocument, Source, object_url, register


class IncomingSource(Source):
    kind = "incoming"
    label = _("Incoming documents")
    model = "documents.IncomingDocument"
    order = 10

    def document(self, obj) -> IndexDocument:
        from capuyso.documents.models import Secrecy

        # An ultra-secret document's summary stays out until a leader allows one (the same
        # rule as its pages and the API).
        withheld = obj.secrecy == Secrecy.ULTRA_SECRET and obj.summary_allowed_by_id is None
        summary = "" if withheld else obj.summary
        abbreviation = obj.issuer.abbreviation if obj.issuer_id else ""
        body = " · ".join(p for p in (obj.issuer_name, abbreviation, obj.note) if p)
        received = timezone.localtime(obj.received_at).date() if obj.received_at else None
        return IndexDocument(
            committee_id=obj.committee_id,
            title=summary or obj.issuer_name,
            body=body,
            reference=obj.reference,
            date=obj.document_date or received,
            year=obj.year,
            unit_id=obj.receiving_unit_id,
            doc_type_id=obj.doc_type_id,
            type_label=obj.doc_type.name,
        )

    def rows(self, committee_id=None) -> QuerySet:
        return super().rows(committee_id).select_related("doc_type", "issuer")

    def visible(self, user):
        from capuyso.documents.selectors import incoming_for_user

        return incoming_for_user(user)

    def url(self, link: HitLink, access) -> str:
        return object_url("documents:incoming_detail", link.code)


class OutgoingSource(Source):
    kind = "outgoing"
    label = _("Outgoing documents")
    model = "documents.OutgoingDocument"
    order = 20

    def document(self, obj) -> IndexDocument:
        created = timezone.localtime(obj.created_at).date() if obj.created_at else None
        day = obj.issue_date or created
        body = "\n".join(p for p in (obj.body, obj.recipients_text) if p)
        return IndexDocument(
            committee_id=obj.committee_id,
            title=obj.summary or obj.reference,
            body=body,
            reference=obj.reference,
            date=day,
            year=day.year if day else None,
            unit_id=obj.issuing_unit_id,
            doc_type_id=obj.doc_type_id,
            type_label=obj.doc_type.name,
        )

    def rows(self, committee_id=None) -> QuerySet:
        return super().rows(committee_id).select_related("doc_type")

    def visible(self, user):
        from capuyso.documents.selectors import outgoing_for_user

        return outgoing_for_user(user)

    def url(self, link: HitLink, access) -> str:
        return object_url("documents:outgoing_detail", link.code)


class DossierSource(Source):
    kind = "dossier"
    label = _("Dossiers")
    model = "archive.Dossier"
    order = 30

    def document(self, obj) -> IndexDocument:
        return IndexDocument(
            committee_id=obj.committee_id,
            title=obj.title,
            reference=obj.file_number,
            year=obj.year,
            unit_id=obj.unit_id,
        )

    def visible(self, user):
        from capuyso.archive.selectors import dossiers_for_user

        return dossiers_for_user(user)

    def url(self, link: HitLink, access) -> str:
        return object_url("archive:dossier", link.code)


class MeetingSource(Source):
    kind = "meeting"
    label = _("Meetings")
    model = "meetings.Meeting"
    order = 40

    def document(self, obj) -> IndexDocument:
        # Confidential agenda items are for those who run the meeting and those present:
        # their titles never go into the index.
        items = [item.title for item in obj.items.all() if not item.confidential]
        day = timezone.localtime(obj.starts_at).date() if obj.starts_at else None
        return IndexDocument(
            committee_id=obj.committee_id,
            title=obj.title,
            body="\n".join([obj.place, *items]).strip(),
            date=day,
            year=day.year if day else None,
            unit_id=obj.unit_id,
        )

    def rows(self, committee_id=None) -> QuerySet:
        from capuyso.meetings.models import AgendaItem

        items = AgendaItem.objects.only("meeting_id", "title", "confidential", "order")
        return super().rows(committee_id).prefetch_related(Prefetch("items", queryset=items))

    def visible(self, user):
        from capuyso.meetings.access import meetings_for_user

        return meetings_for_user(user)

    def url(self, link: HitLink, access) -> str:
        return object_url("meetings:detail", link.code)


class MemberSource(Source):
    """Members, for those who may list them (MEMBERS_VIEW over the member's cell). The
    index keeps what the list shows: the name, the card number and the cell."""

    kind = "member"
    label = _("Party members")
    model = "members.Member"
    order = 50

    def document(self, obj) -> IndexDocument:
        return IndexDocument(
            committee_id=obj.committee_id,
            title=obj.full_name,
            body=obj.cell.name if obj.cell_id else "",
            reference=obj.card_number,
            unit_id=obj.cell_id,
        )

    def rows(self, committee_id=None) -> QuerySet:
        return super().rows(committee_id).select_related("cell")

    def visible(self, user):
        from capuyso.members.selectors import members_for_user

        return members_for_user(user)

    def url(self, link: HitLink, access) -> str:
        from capuyso.members.selectors import STATUS_ALL

        may_open = access is None or (
            link.unit_path is not None
            and access.can(
                Action.MEMBERS_VIEW_FILE,
                committee_id=access.committee_id,
                unit_path=link.unit_path,
            )
        )
        if may_open:
            return object_url("members:detail", link.code)
        # Listed but not openable by this user: the members list, found by card or name.
        query = {"q": link.reference or link.title, "status": STATUS_ALL}
        return reverse("members:list") + "?" + urlencode(query)


for _source in (
    IncomingSource(),
    OutgoingSource(),
    DossierSource(),
    MeetingSource(),
    MemberSource(),
):
    register(_source)

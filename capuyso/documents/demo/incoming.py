"""Incoming documents: registration, submission, direction, handling and closing; the
week the deputy directs for the secretary."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from django.utils import timezone

from capuyso.accounts.models import User
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents.demo.base import SeederBase
from capuyso.documents.demo.clock import DAY_MINUTES
from capuyso.documents.demo.content import (
    DIRECTIONS,
    NUMBERING,
    PAPER_HOLDER,
    PARTY_HEADERS,
    PROGRESS,
    RESULTS,
    STATE_STYLE,
    TOPICS,
    In,
)
from capuyso.documents.layout import PartyLayout, render_docx
from capuyso.documents.models import (
    Assignment,
    Delegation,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
)
from capuyso.documents.services import config as config_services
from capuyso.documents.services import incoming as inc
from capuyso.documents.services import outgoing as out
from capuyso.org.models import Unit


@dataclass
class InPlan:
    tpl: In
    at: dt.datetime
    summary: str
    unit: Unit
    registrar: User
    n: int = 0
    stop: str = ""
    escalate: bool = False
    extend: bool = False
    doc: IncomingDocument | None = None
    lead: Assignment | None = None
    director: User | None = None
    reply: OutgoingDocument | None = None
    due: dt.date | None = None
    leader: User | None = None  # who it is submitted to (else chosen at random)
    demo_cell: bool = False  # the demo's own cell supports, first
    supports: list = field(default_factory=list)  # (unit, user) of supporting handlers
    support_rows: list = field(default_factory=list)


class IncomingSteps(SeederBase):
    """Plans and steps of incoming documents (`plan_reply` comes from OutgoingSteps)."""

    def reference(self, issuer: str, doc_type: str, at: dt.datetime) -> str:
        base, rate = NUMBERING.get(issuer, (5, 0.3))
        day = timezone.localtime(at).timetuple().tm_yday
        key = (issuer, doc_type if issuer in ("TU", "BTCTU") else "")
        number = max(self.counters.get(key, 0) + 1, int(base + rate * day) + self.rng.randint(0, 3))
        self.counters[key] = number
        if issuer in STATE_STYLE:
            body = STATE_STYLE[issuer]
            return f"{number}/{body}" if doc_type == "CV" else f"{number}/{doc_type}-{body}"
        return f"{number}-{doc_type}/{issuer}"

    def incoming_file(self, plan: InPlan, reference: str, issuer) -> doc_files.CheckedFile:
        """The sender's document as a DOCX in the Party layout (what an e-mail brings)."""
        number = re.match(r"\d+", reference)
        party = plan.tpl.issuer in PARTY_HEADERS
        superior, name = PARTY_HEADERS.get(plan.tpl.issuer, ("", issuer.name.upper()))
        doc_type = self.types[plan.tpl.type]
        subject = plan.summary.removeprefix("V/v ")
        layout = PartyLayout(
            superior_name=superior,
            issuer_name=name,
            number=int(number.group()) if number else None,
            type_abbreviation=plan.tpl.type,
            issuer_abbreviation=plan.tpl.issuer,
            place="Hà Nội" if party else out.place_name(self.committee),
            date=timezone.localtime(plan.at).date(),
            type_name="" if doc_type.is_official_letter else doc_type.name.upper(),
            summary=plan.summary,
            is_official_letter=doc_type.is_official_letter,
            body=(
                f"Căn cứ chương trình công tác năm {self.year}, đề nghị các cấp ủy, tổ chức "
                f"đảng trực thuộc thực hiện tốt nội dung: {subject[0].lower()}{subject[1:]}."
                "\n\nĐề nghị các đơn vị nghiêm túc triển khai, báo cáo kết quả đúng thời hạn."
            ),
            signature_capacity="T/M BAN THƯỜNG VỤ" if party else "T/M ỦY BAN NHÂN DÂN",
            signer_title="PHÓ BÍ THƯ" if party else "CHỦ TỊCH",
            signer_name=self._person(),
            recipients=["Như trên"],
        )
        data = render_docx(layout)
        return doc_files.CheckedFile(
            name=re.sub(r"[^a-z0-9]+", "-", fold(reference)).strip("-") + ".docx",
            data=data,
            content_type=doc_files.DOCX,
            sha256=hashlib.sha256(data).hexdigest(),
        )

    def register(self, plan: InPlan, at: dt.datetime) -> None:
        tpl = plan.tpl
        issuer = self.issuers.get(tpl.issuer)
        reference = self.reference(tpl.issuer, tpl.type, at)
        secret = tpl.secrecy != ""
        # Paper gives way to the platform over the year: about 45% in January, 5% by November.
        paper = max(0.05, 0.45 - 0.04 * (timezone.localtime(at).month - 1))
        roll = self.rng.random()
        channel = (
            IncomingDocument.Channel.PAPER
            if secret or roll < paper
            else IncomingDocument.Channel.EMAIL
            if roll < paper + 0.3
            else IncomingDocument.Channel.UPLOAD
        )
        files = []
        if not secret and (channel != IncomingDocument.Channel.PAPER or roll < paper / 8):
            files = [self.incoming_file(plan, reference, issuer)]
        received = timezone.localtime(at).date()
        plan.doc = inc.incoming_register(
            actor=plan.registrar,
            receiving_unit=plan.unit,
            doc_type=self.types[tpl.type],
            issuer=issuer,
            issuer_name=issuer.name if issuer else tpl.issuer,
            reference=reference,
            document_date=received - dt.timedelta(days=self.rng.choice([0, 0, 1, 1, 2, 3])),
            summary=plan.summary,
            secrecy=tpl.secrecy,
            urgency=tpl.urgency,
            page_count=self.rng.randint(1, 3) if tpl.type == "CV" else self.rng.randint(2, 12),
            paper_holder=PAPER_HOLDER if secret else "",
            channel=channel,
            received_at=at,
            checked_files=files,
        )
        if secret:
            self.secret_ids.append(plan.doc.pk)

    def plan_incoming(self, plan: InPlan) -> None:
        tpl, add = plan.tpl, self.add
        t = add(plan.at, lambda at: self.register(plan, at))
        if plan.stop == "register":
            return
        if tpl.mode == "info" and self.rng.random() < 0.5:
            # For information only: the clerk files it without asking a leader.
            t = self.later(t, 15, 150)
            add(t, lambda at: self.close(plan, at, self.clerk, "info"))
            return
        leader = plan.leader or (
            self.secretary if self.rng.random() < 0.65 or tpl.secrecy else self.deputy
        )
        t = add(self.later(t, 5, 45, slow=False), lambda at: self.submit(plan, at, leader))
        if plan.stop == "submit":
            return
        t = self.later(t, 15, 150)
        plan.director = leader
        week = self.delegation_week
        if week and leader == self.secretary and week[0] <= timezone.localtime(t).date() <= week[1]:
            plan.director = self.deputy  # directs on behalf of the secretary
        if tpl.due:
            due = timezone.localtime(plan.at).date() + dt.timedelta(days=tpl.due)
            while not self.clock.workday(due):
                due += dt.timedelta(days=1)
            plan.due = due
        add(t, lambda at: self.direct(plan, at))
        topic = TOPICS[tpl.topic]
        handler = self.handler(topic[1] if tpl.mode != "info" else "office")
        supports = self.support_specs(topic[2]) if tpl.mode == "act" else []
        if plan.demo_cell and self.secretaries:
            cell = self.account_cells()[0]
            supports = [(cell, None)] + [s for s in supports if s[0] != cell]
        plan.supports = supports
        if plan.stop == "direct":
            self.plan_pressure(plan, t)
            return
        if tpl.mode == "info":
            add(self.later(t, 10, 90), lambda at: self.close(plan, at, handler, "info"))
            return
        t = self.later(t, 20, 180)
        add(t, lambda at: self.progress(plan, at, handler))
        last = t
        for index, (unit, user) in enumerate(supports):
            if plan.stop == "progress" and index == 0:
                continue  # one supporting cell is still at it
            person = user or self.secretaries.get(unit.pk) or self.handler("office")
            done = self.later(t, 20, 240)
            last = max(last, done)
            add(done, lambda at, i=index, p=person: self.support_done(plan, at, i, p))
        if plan.stop == "progress":
            self.plan_pressure(plan, t)
            return
        if tpl.mode == "report":
            t = self.plan_reply(plan, last, handler)
        else:
            t = self.later(last, 30, 360)
            if plan.due and self.rng.random() < 0.06:  # finished a little late
                t = max(t, self.clock.forward(self.clock.morning(plan.due), DAY_MINUTES + 60))
            elif plan.due and timezone.localtime(t).date() > plan.due:
                t = max(self.clock.backward(self.clock.morning(plan.due), 30), last)
            t = max(t, self.clock.forward(last, 15))
        mode = tpl.mode
        add(t, lambda at: self.lead_done(plan, at, handler, mode))
        add(self.later(t, 5, 40, slow=False), lambda at: self.close(plan, at, handler, mode))

    def plan_pressure(self, plan: InPlan, t: dt.datetime) -> None:
        """An open document past (or near) its deadline: the leader presses or extends."""
        if not plan.due:
            return
        if plan.extend:
            when = self.clock.backward(self.clock.morning(plan.due), 60)
            if when > t:
                new_due = plan.due + dt.timedelta(days=4)
                self.add(when, lambda at: self.extend(plan, at, new_due))
        if plan.escalate:
            when = self.clock.forward(self.clock.morning(plan.due + dt.timedelta(days=1)), 90)
            self.add(when, lambda at: self.escalate(plan, at))

    def lead_spec(self, key: str, due) -> inc.AssignmentSpec:
        lead = inc.AssignmentSpec(role=Assignment.Role.LEAD, due_date=due)
        if key == "office":
            lead.unit = self.office
        elif key == "inspection":
            lead.unit = self.inspection
        elif key == "standing" and self.standing_unit is not None:
            lead.unit = self.standing_unit
        else:
            lead.user = self.handler(key)
        return lead

    def support_specs(self, keys: list[str]) -> list[tuple]:
        """(unit, user) of the supporting handlers: organs, people, a few cells."""
        specs: list[tuple] = []
        for key in keys:
            if key == "cells":
                cells = self.account_cells()
                if cells:
                    picks = [cells[0]] if self.rng.random() < 0.5 else []
                    picks += self.rng.sample(cells, min(len(cells), self.rng.randint(1, 2)))
                    specs += [(c, None) for c in dict.fromkeys(picks)]
            elif key == "office":
                specs.append((self.office, None))
            else:
                specs.append((None, self.handler(key)))
        return specs

    def submit(self, plan: InPlan, at, leader) -> None:
        plan.doc = inc.incoming_submit(actor=self.clerk, document=plan.doc, leader=leader)
        self.settle(at, IncomingDocument.objects.filter(pk=plan.doc.pk), "submitted_at")

    def direct(self, plan: InPlan, at) -> None:
        tpl = plan.tpl
        topic = TOPICS[tpl.topic]
        due = self.stand_in(plan.due)
        lead_key = topic[1] if tpl.mode != "info" else "office"
        specs = [self.lead_spec(lead_key, due if tpl.mode != "info" else None)]
        specs += [
            inc.AssignmentSpec(role=Assignment.Role.SUPPORT, unit=unit, user=user, due_date=due)
            for unit, user in plan.supports
        ]
        fyi = [k for k in topic[3] if k != lead_key]
        specs += [inc.AssignmentSpec(role=Assignment.Role.FYI, user=self.handler(k)) for k in fyi]
        lead_name = {
            "office": "Văn phòng Đảng ủy",
            "inspection": "Ủy ban Kiểm tra Đảng ủy",
        }.get(lead_key) or f"đồng chí {self.handler(lead_key).full_name}"
        text = self.rng.choice(DIRECTIONS[tpl.mode]).format(
            lead=lead_name, due=plan.due.strftime("%d/%m/%Y") if plan.due else ""
        )
        plan.doc = inc.incoming_direct(
            actor=plan.director, document=plan.doc, direction=text[0].upper() + text[1:],
            assignments=specs,
        )  # fmt: skip
        self.settle(at, IncomingDocument.objects.filter(pk=plan.doc.pk), "directed_at")
        plan.lead = plan.doc.assignments.get(role=Assignment.Role.LEAD, parent__isnull=True)
        plan.support_rows = list(
            plan.doc.assignments.filter(role=Assignment.Role.SUPPORT).order_by("pk")
        )
        inc.incoming_opened(user=plan.director, document=plan.doc)

    def progress(self, plan: InPlan, at, handler) -> None:
        text = self.rng.choice(PROGRESS).format(k=self.rng.randint(3, 12))
        inc.assignment_record(
            actor=handler, assignment=plan.lead, text=text, kind=DocumentEvent.Kind.PROGRESS
        )

    def support_done(self, plan: InPlan, at, index: int, person) -> None:
        row = plan.support_rows[index]
        inc.assignment_complete(
            actor=person, assignment=row, result=self.rng.choice(RESULTS["support"])
        )
        self.settle(at, Assignment.objects.filter(pk=row.pk), "done_at")

    def lead_done(self, plan: InPlan, at, handler, mode) -> None:
        if mode == "report" and plan.reply is None:
            return
        inc.assignment_complete(
            actor=handler,
            assignment=plan.lead,
            result=self.rng.choice(RESULTS[mode]),
            reply=plan.reply,
        )
        self.settle(at, Assignment.objects.filter(pk=plan.lead.pk), "done_at")

    def close(self, plan: InPlan, at, actor, mode) -> None:
        if plan.doc is None or not plan.doc.is_open:
            return
        topic = TOPICS[plan.tpl.topic]
        dossier = None
        if plan.unit == self.office and not plan.tpl.secrecy and self.rng.random() < 0.92:
            dossier = self.dossiers[topic[0]]
        plan.doc = inc.incoming_complete(
            actor=actor, document=plan.doc, result=self.rng.choice(RESULTS[mode]), dossier=dossier
        )
        self.settle(at, IncomingDocument.objects.filter(pk=plan.doc.pk), "completed_at")
        self.settle(at, Assignment.objects.filter(document=plan.doc), "done_at")

    def extend(self, plan: InPlan, at, new_due: dt.date) -> None:
        inc.assignment_extend(
            actor=plan.director,
            assignment=plan.lead,
            due_date=self.stand_in(new_due),
            reason="Chờ số liệu tổng hợp từ các chi bộ; đồng ý gia hạn.",
        )
        plan.due = new_due

    def escalate(self, plan: InPlan, at) -> None:
        if plan.lead is None or not plan.doc.is_open:
            return
        inc.assignment_escalate(
            actor=plan.director,
            assignment=plan.lead,
            note="Đã quá hạn. Đề nghị khẩn trương hoàn thành, báo cáo kết quả trong tuần.",
        )
        self.settle(at, Assignment.objects.filter(pk=plan.lead.pk), "escalated_at")

    def plan_cell_incoming(self, plan: InPlan) -> None:
        t = self.add(plan.at, lambda at: self.register(plan, at))
        t = self.add(self.later(t, 10, 240), lambda at: self.open_copy(plan.doc, at))
        self.add(self.later(t, 20, 300), lambda at: self.close(plan, at, plan.registrar, "cell"))

    def plan_delegation(self) -> None:
        """The secretary away for a week: the deputy directs in their name."""
        anchor_day = timezone.localtime(self.anchor).date()
        monday = anchor_day - dt.timedelta(days=anchor_day.weekday() + 49)
        if monday <= self.start.date():
            return
        sunday = monday + dt.timedelta(days=6)
        self.delegation_week = (monday, sunday)
        friday = self.clock.backward(self.clock.morning(monday), 30)
        self.add(friday, self.delegate)
        self.add(self.clock.morning(sunday + dt.timedelta(days=1)), self.retire_delegation)
        # Two documents arrive that week, whatever the scale.
        for day, tpl in (
            (1, In("VPTU", "CV", "V/v đăng ký tham dự lớp bồi dưỡng kỹ năng số cho cán bộ cơ sở",
                   "cds", "act", 5)),
            (3, In("TU", "CV", "V/v tăng cường công tác phòng cháy, chữa cháy trong mùa hanh khô",
                   "antoan", "act", 7)),
        ):  # fmt: skip
            at = self.moment(monday + dt.timedelta(days=day))
            plan = InPlan(tpl, at, self.fill(tpl.summary, at), self.office, self.clerk)
            plan.leader = self.secretary
            self.plan_incoming(plan)

    def delegate(self, at) -> None:
        self.delegation = config_services.delegation_create(
            actor=self.secretary,
            grantor=self.secretary,
            delegate=self.deputy,
            scope=Delegation.Scope.DIRECTION,
            starts_on=self.today,
            ends_on=self.today + dt.timedelta(days=6),
            reason="Đồng chí Bí thư đi học lớp bồi dưỡng cán bộ lãnh đạo tại Trường Đào tạo cán "
            "bộ Lê Hồng Phong.",
        )

    def retire_delegation(self, at) -> None:
        monday, sunday = self.delegation_week
        Delegation.objects.filter(pk=self.delegation.pk).update(starts_on=monday, ends_on=sunday)

"""Outgoing documents: drafting, review, approval, issue and distribution; what cells
read, file and report upwards; drafts in progress and cancelled documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from capuyso.accounts.models import User
from capuyso.documents.demo.base import SeederBase
from capuyso.documents.demo.clock import DAY_MINUTES
from capuyso.documents.demo.content import CELL_REPORTS, LATEST_TO_CELLS, OUTGOING, RESULTS, Out
from capuyso.documents.demo.incoming import InPlan
from capuyso.documents.models import (
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
    Review,
)
from capuyso.documents.services import incoming as inc
from capuyso.documents.services import outgoing as out
from capuyso.org.models import Unit


@dataclass
class OutPlan:
    doc_type: str
    summary: str
    unit: Unit
    drafter: User
    signer: User
    recipients: list
    all_cells: bool = False
    recipients_text: str = ""
    secrecy: str = ""
    urgency: str = ""
    in_reply_to: InPlan | None = None
    doc: OutgoingDocument | None = None


class OutgoingSteps(SeederBase):
    """Plans and steps of outgoing documents."""

    def signer_fields(self, signer: User, doc_type: str, cell: bool) -> dict:
        if cell:
            return {"signature_capacity": "T/M CHI BỘ", "signer_title": "BÍ THƯ"}
        capacity = "T/M ĐẢNG ỦY" if doc_type in ("NQ", "BC", "CTr") else "T/M BAN THƯỜNG VỤ"
        deputy = signer == self.deputy
        return {
            "signature_capacity": capacity,
            "signer_title": "PHÓ BÍ THƯ" if deputy else "BÍ THƯ",
            "deputy_signing": deputy,
        }

    def body(self, doc_type: str, summary: str, secrecy: str, cell: bool) -> str:
        """A short, plausible body in the usual outline of the document type."""
        if secrecy:
            return ""
        subject = summary.removeprefix("V/v ")
        subject = subject[0].lower() + subject[1:]
        if cell:
            return (
                f"Thực hiện sự chỉ đạo của Đảng ủy xã, Chi bộ báo cáo về {subject} như sau:\n\n"
                "1. Chi bộ đã tổ chức quán triệt tới đảng viên tại buổi sinh hoạt định kỳ; "
                "100% đảng viên tham gia đầy đủ.\n\n2. Phân công đảng viên phụ trách, theo dõi "
                "việc thực hiện ở khu dân cư.\n\n3. Đề nghị Đảng ủy quan tâm hỗ trợ thiết bị "
                "phục vụ sinh hoạt chi bộ trực tuyến."
            )
        if doc_type == "CV":
            return (
                f"Thực hiện chương trình công tác năm {self.year}, về việc {subject}, Ban Thường "
                "vụ Đảng ủy đề nghị các đơn vị quan tâm thực hiện tốt các nội dung sau:\n\n"
                "1. Quán triệt đầy đủ tới cán bộ, đảng viên.\n\n2. Báo cáo kết quả về Văn phòng "
                "Đảng ủy đúng thời gian quy định."
            )
        if doc_type in ("BC", "TTr"):
            return (
                f"I. KẾT QUẢ THỰC HIỆN\n\nTrong kỳ, các nội dung về {subject} được triển khai "
                "kịp thời, đúng kế hoạch.\n\nII. HẠN CHẾ, NGUYÊN NHÂN\n\nMột số chi bộ báo cáo "
                "còn chậm; hạ tầng công nghệ thông tin ở một số thôn chưa đồng bộ.\n\n"
                "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI\n\nTiếp tục đẩy mạnh ứng dụng công "
                "nghệ thông tin, nâng cao chất lượng sinh hoạt chi bộ."
            )
        if doc_type == "QĐ":
            return (
                f"Điều 1. {summary.removeprefix('Quyết định ')[0].upper()}"
                f"{summary.removeprefix('Quyết định ')[1:]}.\n\nĐiều 2. Văn phòng Đảng ủy, các "
                "chi bộ và các đồng chí có liên quan chịu trách nhiệm thi hành Quyết định này."
            )
        return (
            f"I. MỤC ĐÍCH, YÊU CẦU\n\nTriển khai đồng bộ, hiệu quả nội dung {subject}.\n\n"
            "II. NỘI DUNG\n\nCác chi bộ tổ chức quán triệt tới 100% đảng viên, gắn với sinh hoạt "
            "chi bộ định kỳ.\n\nIII. TỔ CHỨC THỰC HIỆN\n\nVăn phòng Đảng ủy theo dõi, đôn đốc, "
            "tổng hợp kết quả, báo cáo Ban Thường vụ."
        )

    def recipients_for(self, to: str) -> tuple[list, bool, str]:
        spec = out.RecipientSpec
        email = OutgoingRecipient.Method.EMAIL
        paper = OutgoingRecipient.Method.PAPER
        if to == "cells":
            return (
                [spec(name="Thường trực Thành ủy Hà Nội", method=email)],
                True,
                "- Thường trực Thành ủy (để báo cáo),\n- Các chi bộ trực thuộc (để thực hiện),",
            )
        if to == "tu":
            return (
                [spec(name="Văn phòng Thành ủy Hà Nội", method=email)],
                False,
                "- Văn phòng Thành ủy (để báo cáo),",
            )
        if to == "btc":
            return (
                [spec(name="Ban Tổ chức Thành ủy Hà Nội", method=paper)],
                False,
                "- Ban Tổ chức Thành ủy (để báo cáo),",
            )
        if to == "cell":
            cell = self.rng.choice(self.cells)
            return (
                [spec(unit=cell), spec(name="Ban Tổ chức Thành ủy Hà Nội", method=email)],
                False,
                f"- Ban Tổ chức Thành ủy (để báo cáo),\n- {cell.name},\n- Đồng chí có tên tại "
                "Điều 1,",
            )
        if to == "dongxuan" and self.dong_xuan is not None:
            return (
                [spec(committee=self.dong_xuan)],
                False,
                f"- {self.dong_xuan.name},",
            )
        return (
            [spec(name="Các đồng chí Ủy viên Ban Thường vụ Đảng ủy", method=paper)],
            False,
            "- Các đồng chí Ủy viên Ban Thường vụ,\n- Các đồng chí Ủy viên Ban Chấp hành Đảng bộ,",
        )

    def office_plan(self, tpl: Out, at) -> OutPlan:
        recipients, all_cells, text = self.recipients_for(tpl.to)
        signer = self.secretary if self.rng.random() < 0.7 else self.deputy
        return OutPlan(
            doc_type=tpl.type,
            summary=self.fill(tpl.summary, at),
            unit=self.office,
            drafter=self.handler({"clerk": "office"}.get(tpl.drafter, tpl.drafter)),
            signer=signer,
            recipients=recipients,
            all_cells=all_cells,
            recipients_text=text,
            secrecy=tpl.secrecy,
            urgency=tpl.urgency,
        )

    def plan_outgoing(self) -> None:
        for tpl in OUTGOING:
            for at in self.occurrences(tpl):
                if tpl.secrecy or self.rng.random() < self.scale:
                    self.plan_issue(self.office_plan(tpl, at), at)
        # The latest all-cells guidance: issued three days ago, read by some cells only.
        at = self.clock.backward(self.anchor, 3 * DAY_MINUTES + 200)
        plan = self.office_plan(LATEST_TO_CELLS, at)
        plan.signer = self.secretary
        accounts = self.account_cells()
        readers = {c.pk for c in accounts[: (len(accounts) + 1) // 2]}
        self.plan_issue(plan, at, readers=readers)
        self.plan_in_flight()
        self.plan_cancelled()

    def plan_issue(self, plan: OutPlan, t, *, readers=None, reviewers=None) -> dt.datetime:
        """Draft → (review) → approval → issue, then cells open and file their copies."""
        add = self.add
        t = add(t, lambda at: self.create(plan, at))
        if reviewers is None and self.rng.random() < 0.35:
            reviewers = [self.standing if plan.signer == self.secretary else self.deputy]
        if reviewers:
            t = add(self.later(t, 30, 180), lambda at: self.ask_review(plan, at, reviewers))
            changes = self.rng.random() < 0.3
            for reviewer in reviewers:
                t = self.later(t, 30, 300)
                add(t, lambda at, r=reviewer, c=changes: self.answer(plan, at, r, c))
            if changes:
                t = add(self.later(t, 30, 150), lambda at: self.revise(plan, at))
        t = add(self.later(t, 10, 90), lambda at: self.send(plan, at))
        t = add(self.later(t, 20, 300), lambda at: self.approve(plan, at))
        t = add(self.later(t, 10, 90, slow=False), lambda at: self.issue(plan, at))
        issued = t
        cells = self.account_cells()
        old = issued < self.clock.backward(self.anchor, 5 * DAY_MINUTES)
        for cell in cells:
            if readers is not None:
                reads = cell.pk in readers
            else:
                reads = self.rng.random() < (0.92 if old else 0.6)
            if not reads or not (plan.all_cells or any(r.unit == cell for r in plan.recipients)):
                continue
            opened = self.later(issued, 10, 400)
            add(opened, lambda at, c=cell: self.open_delivered(plan, c, at))
            if readers is None and self.rng.random() < 0.6:
                add(
                    self.later(opened, 20, 300), lambda at, c=cell: self.file_delivered(plan, c, at)
                )
        return issued

    def create(self, plan: OutPlan, at) -> None:
        cell = plan.unit.kind == Unit.Kind.CELL
        reply = plan.in_reply_to.doc if plan.in_reply_to else None
        plan.doc = out.outgoing_create(
            actor=plan.drafter,
            issuing_unit=plan.unit,
            doc_type=self.types[plan.doc_type],
            summary=plan.summary,
            body=self.body(plan.doc_type, plan.summary, plan.secrecy, cell),
            signer=plan.signer,
            recipients_text=plan.recipients_text,
            recipients=plan.recipients,
            all_cells=plan.all_cells,
            secrecy=plan.secrecy,
            urgency=plan.urgency,
            copies=self.rng.randint(2, 6),
            in_reply_to=reply,
            **self.signer_fields(plan.signer, plan.doc_type, cell),
        )

    def ask_review(self, plan: OutPlan, at, reviewers) -> None:
        out.review_request(actor=plan.drafter, document=plan.doc, reviewers=reviewers)

    def answer(self, plan: OutPlan, at, reviewer, changes: bool) -> None:
        review = plan.doc.reviews.get(reviewer=reviewer, verdict=Review.Verdict.PENDING)
        verdict = Review.Verdict.CHANGES if changes else Review.Verdict.AGREED
        comment = (
            "Đề nghị bổ sung số liệu cụ thể và làm rõ trách nhiệm của các chi bộ."
            if changes
            else self.rng.choice(["", "Nhất trí với dự thảo.", "Đồng ý, trình ký."])
        )
        out.review_answer(actor=reviewer, review=review, verdict=verdict, comment=comment)
        self.settle(at, Review.objects.filter(pk=review.pk), "answered_at")

    def revise(self, plan: OutPlan, at) -> None:
        plan.doc = out.outgoing_update(
            actor=plan.drafter,
            document=plan.doc,
            version=None,
            note="Tiếp thu ý kiến góp ý, bổ sung số liệu.",
        )

    def send(self, plan: OutPlan, at) -> None:
        plan.doc = out.outgoing_send_for_approval(actor=plan.drafter, document=plan.doc)

    def approve(self, plan: OutPlan, at) -> None:
        plan.doc = out.outgoing_approve(actor=plan.signer, document=plan.doc)
        self.settle(at, OutgoingDocument.objects.filter(pk=plan.doc.pk), "approved_at")

    def issue(self, plan: OutPlan, at) -> None:
        issuer = self.clerk if plan.unit == self.office else plan.drafter
        plan.doc = out.outgoing_issue(
            actor=issuer, document=plan.doc, issue_date=timezone.localtime(at).date()
        )
        self.settle(at, OutgoingDocument.objects.filter(pk=plan.doc.pk), "issued_at")
        self.settle(at, OutgoingRecipient.objects.filter(document=plan.doc), "sent_at")

    def delivered(self, plan: OutPlan, unit) -> IncomingDocument | None:
        if plan.doc is None:
            return None
        return IncomingDocument.objects.filter(
            source_recipient__document=plan.doc, receiving_unit=unit
        ).first()

    def open_delivered(self, plan: OutPlan, cell, at) -> None:
        self.open_copy(self.delivered(plan, cell), at, self.secretaries[cell.pk])

    def file_delivered(self, plan: OutPlan, unit, at, actor=None) -> None:
        copy = self.delivered(plan, unit)
        if copy is None or not copy.is_open:
            return
        actor = actor or self.secretaries[unit.pk]
        mode = "cell" if unit.kind == Unit.Kind.CELL else "info"
        dossier = self.dossiers["10"] if unit == self.office else None
        inc.incoming_complete(
            actor=actor, document=copy, result=self.rng.choice(RESULTS[mode]), dossier=dossier
        )
        self.settle(at, IncomingDocument.objects.filter(pk=copy.pk), "completed_at")

    def plan_reply(self, plan: InPlan, t, handler) -> dt.datetime:
        """A report asked for by the incoming document: drafted, signed, issued, linked."""
        doc_type, summary = plan.tpl.reply
        issuer = self.issuers.get(plan.tpl.issuer)
        name = issuer.name if issuer else "Văn phòng Thành ủy Hà Nội"
        reply = OutPlan(
            doc_type=doc_type,
            summary=self.fill(summary, plan.at),
            unit=self.office,
            drafter=handler,
            signer=plan.director,
            recipients=[out.RecipientSpec(name=name, method=OutgoingRecipient.Method.EMAIL)],
            recipients_text=f"- {name} (để báo cáo),",
            in_reply_to=plan,
        )
        start = self.later(t, 30, 300)
        if plan.due:
            latest = self.clock.backward(self.clock.morning(plan.due), 240)
            start = min(start, max(latest, self.clock.forward(t, 30)))
        issued = self.plan_issue(reply, start, reviewers=[])

        def link(at):
            plan.reply = reply.doc

        self.add(issued, link)
        return self.later(issued, 5, 30, slow=False)

    def plan_in_flight(self) -> None:
        """Drafts, a review waiting, an approval waiting and an approved document not yet
        issued: the work of the last days."""
        back = self.clock.backward
        a = self.anchor
        drafts = [
            Out("BC", "Báo cáo tổng kết công tác xây dựng Đảng năm {y}, phương hướng, nhiệm vụ "
                "năm {y1}", "tu"),
            Out("KH", "Kế hoạch tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm {y}",
                "standing", drafter="member"),
        ]  # fmt: skip
        for n, tpl in enumerate(drafts):
            at = back(a, 300 + 500 * n)
            plan = self.office_plan(tpl, at)
            self.add(at, lambda t, p=plan: self.create(p, t))
        at = back(a, 900)
        plan = self.office_plan(
            Out("NQ", "Nghị quyết về phương hướng, nhiệm vụ năm {y1}", "cells"), at
        )
        plan.signer = self.secretary
        self.add(at, lambda t, p=plan: self.create(p, t))
        self.add(
            back(a, 700),
            lambda t, p=plan: self.ask_review(p, t, [self.standing, self.deputy]),
        )
        self.add(back(a, 400), lambda t, p=plan: self.answer(p, t, self.deputy, False))
        at = back(a, 600)
        plan = self.office_plan(
            Out("CV", "V/v tăng cường công tác phòng cháy, chữa cháy dịp cuối năm", "cells"), at
        )
        self.add(at, lambda t, p=plan: self.create(p, t))
        self.add(back(a, 240), lambda t, p=plan: self.send(p, t))
        at = back(a, 1200)
        plan = self.office_plan(
            Out("TB", "Thông báo nội dung sinh hoạt chi bộ chuyên đề tháng 12/{y}", "cells"), at
        )
        self.add(at, lambda t, p=plan: self.create(p, t))
        self.add(back(a, 1000), lambda t, p=plan: self.send(p, t))
        self.add(back(a, 800), lambda t, p=plan: self.approve(p, t))
        if self.secretaries:
            village = self.account_cells()[0]
            secretary = self.secretaries[village.pk]
            at = back(a, 350)
            plan = OutPlan(
                doc_type="BC",
                summary=self.fill(
                    "Báo cáo kiểm điểm, đánh giá, xếp loại chất lượng chi bộ năm {y}", at
                ),
                unit=village,
                drafter=secretary,
                signer=secretary,
                recipients=[out.RecipientSpec(unit=self.office)],
                recipients_text="- Đảng ủy xã (để báo cáo),\n- Đảng viên trong chi bộ,",
            )
            self.add(at, lambda t, p=plan: self.create(p, t))

    def plan_cancelled(self) -> None:
        """A draft dropped, and a document revoked after issue: its number stays used."""
        at = self.in_months((7, 7)) or self.clock.backward(self.anchor, 30 * DAY_MINUTES)
        tpl = Out("CV", "V/v tổ chức hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm {y}",
                  "tu")  # fmt: skip
        plan = self.office_plan(tpl, at)
        cells = self.account_cells()[:3]
        plan.recipients += [out.RecipientSpec(unit=c) for c in cells]
        issued = self.plan_issue(plan, at, readers=set())
        cancel_at = self.later(issued, 60, 120, slow=False)
        reason = "Ghi sai thời gian tổ chức hội nghị; thay thế bằng công văn ban hành cùng ngày."
        self.add(cancel_at, lambda t: self.cancel(plan, t, reason))
        fixed = self.office_plan(tpl, at)
        fixed.recipients, fixed.signer = plan.recipients, plan.signer
        fixed.recipients_text = plan.recipients_text

        def replace_summary(at):
            fixed.summary = f"{plan.summary} (thay thế Công văn số {plan.doc.reference})"

        replacement = self.later(cancel_at, 10, 40, slow=False)
        self.add(replacement, replace_summary)
        self.plan_issue(fixed, replacement, reviewers=[])
        at = self.clock.backward(self.anchor, 9 * DAY_MINUTES)
        dropped = self.office_plan(
            Out("CV", "V/v đôn đốc báo cáo kết quả thực hiện nhiệm vụ tháng {m}/{y}", "cells"), at
        )
        self.add(at, lambda t: self.create(dropped, t))
        self.add(
            self.later(at, 60, 200, slow=False),
            lambda t: self.cancel(dropped, t, "Trùng nội dung với công văn đã ban hành."),
        )

    def cancel(self, plan: OutPlan, at, reason: str) -> None:
        was_issued = plan.doc.status == OutgoingDocument.Status.ISSUED
        plan.doc = out.outgoing_cancel(actor=self.clerk, document=plan.doc, reason=reason)
        self.settle(at, OutgoingDocument.objects.filter(pk=plan.doc.pk), "cancelled_at")
        if was_issued:
            self.cancelled_notes.append((plan.doc.pk, at))

    def plan_cell_reports(self) -> None:
        """Cells report to the Office on the platform; the clerk files what arrives."""
        cells = self.account_cells()
        for doc_type, summary, months in CELL_REPORTS:
            senders = cells[:1] + self.rng.sample(cells[1:], min(len(cells) - 1, 2))
            for index, cell in enumerate(senders):
                at = self.in_months(months)
                keep = max(self.scale, 0.34) if index == 0 else self.scale
                if at is None or self.rng.random() > keep:
                    continue
                self.plan_cell_report(cell, doc_type, self.fill(summary, at), at)

    def plan_cell_report(self, cell: Unit, doc_type: str, summary: str, at) -> None:
        secretary = self.secretaries[cell.pk]
        plan = OutPlan(
            doc_type=doc_type,
            summary=summary,
            unit=cell,
            drafter=secretary,
            signer=secretary,
            recipients=[out.RecipientSpec(unit=self.office)],
            recipients_text="- Đảng ủy xã (để báo cáo),\n- Lưu chi bộ.",
        )
        issued = self.plan_issue(plan, at, readers=set(), reviewers=[])
        opened = self.later(issued, 10, 240)
        self.add(opened, lambda t: self.open_copy(self.delivered(plan, self.office), t))
        closed = self.later(opened, 10, 300)
        self.add(closed, lambda t: self.file_delivered(plan, self.office, t, self.clerk))

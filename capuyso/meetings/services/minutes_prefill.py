"""The draft minutes written from the meeting: the printed heading, the time and place, the
attendance (counts and names), the agenda, the votes with their arithmetic, a fee line for
the secretary to complete, and the closing line; and the sections the secretary writes.

Attendance comes from `services.attendance.attendance_summary(meeting)`: the roll, the
counts of rules.md §5, the vote base and denominator of rules.md §2, and the quorum.
Votes come from each closed Vote's stored result (services/votes.py: `base`, `outcome`,
`passed`, `quorum`; elections: `candidates`), or from its counts and `rules.evaluate` when
the vote stored no result.

The printed text is Vietnamese whatever the interface language, like documents/layout.py:
it is an official record, not interface text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy

from capuyso.core.text import fold
from capuyso.meetings.models import Attendance, Meeting, Vote, VoteRule
from capuyso.meetings.rules import Outcome, evaluate
from capuyso.meetings.services.attendance import attendance_summary
from capuyso.org.models import Unit

MAX_SECTION_CHARS = 20_000
FEES_LINE = "Thu đảng phí: … đồng."


@dataclass(frozen=True)
class Section:
    key: str
    heading: str  # printed (Vietnamese); empty for the closing line
    label: object  # the form's label (gettext)
    prefilled: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "time_place",
        "THỜI GIAN, ĐỊA ĐIỂM, CHỦ TRÌ, THƯ KÝ",
        gettext_lazy("Time, place, chair and secretary"),
        prefilled=True,
    ),
    Section("attendance", "THÀNH PHẦN THAM DỰ", gettext_lazy("Attendance"), prefilled=True),
    Section("agenda", "CHƯƠNG TRÌNH", gettext_lazy("Agenda"), prefilled=True),
    Section("news", "THÔNG TIN THỜI SỰ", gettext_lazy("News and current affairs")),
    Section(
        "review",
        "ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NHIỆM VỤ THÁNG TRƯỚC",
        gettext_lazy("Review of last month's work"),
    ),
    Section("opinions", "Ý KIẾN THẢO LUẬN CỦA ĐẢNG VIÊN", gettext_lazy("Members' opinions")),
    Section("tasks", "PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI", gettext_lazy("Tasks for next month")),
    Section("votes", "BIỂU QUYẾT", gettext_lazy("Votes and their results"), prefilled=True),
    Section("fees", "THU ĐẢNG PHÍ", gettext_lazy("Party fees collected"), prefilled=True),
    Section("resolution", "NGHỊ QUYẾT", gettext_lazy("Resolution")),
    Section("closing", "", gettext_lazy("Closing"), prefilled=True),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
# Recomputed from the meeting by "refresh"; the others are the secretary's.
FACT_KEYS = ("time_place", "attendance", "agenda", "votes")

KIND_PHRASES = {
    Meeting.Kind.CELL_REGULAR: "Sinh hoạt chi bộ",
    Meeting.Kind.CELL_THEMATIC: "Sinh hoạt chuyên đề chi bộ",
    Meeting.Kind.PARTY_GROUP: "Sinh hoạt tổ đảng",
    Meeting.Kind.EXECUTIVE: "Hội nghị Ban Chấp hành Đảng bộ",
    Meeting.Kind.STANDING: "Hội nghị Ban Thường vụ Đảng ủy",
    Meeting.Kind.BRIEFING: "Hội nghị giao ban",
}
METHOD_WORDS = {
    Vote.Method.OPEN: "biểu quyết giơ thẻ đảng viên",
    Vote.Method.SECRET: "bỏ phiếu kín trên điện thoại",
    Vote.Method.PAPER: "bỏ phiếu kín bằng phiếu giấy",
    Vote.Method.ELECTION: "bầu cử (phiếu gạch tên)",
}
MODE_WORDS = {
    Meeting.Mode.IN_PERSON: "trực tiếp",
    Meeting.Mode.ONLINE: "trực tuyến",
    Meeting.Mode.HYBRID: "trực tiếp kết hợp trực tuyến",
}


def _month_text(month: int) -> str:
    return f"{month:02d}" if month <= 2 else str(month)


def _date_words(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {_month_text(day.month)} năm {day.year}"


# --- reading the meeting ---------------------------------------------------------------

Status = Attendance.Status
STATUS_ORDER = (Status.PRESENT, Status.EXEMPT, Status.ABSENT_EXCUSED, Status.ABSENT_UNEXCUSED)


@dataclass
class AttendanceFacts:
    """The meeting's attendance as the minutes print it. `names` maps each status to the
    names shown (with the reason for absence or exemption when one was given)."""

    total: int = 0
    present: int = 0
    exempt: int = 0
    absent_excused: int = 0
    absent_unexcused: int = 0
    unrecorded: int = 0
    vote_base: int = 0  # full members present who may vote
    denominator: int = 0  # full members who count (rules.md §2)
    quorum: Outcome | None = None
    names: dict[str, list[str]] = field(default_factory=dict)

    @property
    def absent(self) -> int:
        return self.absent_excused + self.absent_unexcused

    @property
    def taken(self) -> bool:
        return self.total > self.unrecorded

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "present": self.present,
            "exempt": self.exempt,
            "absent": self.absent,
            "absent_excused": self.absent_excused,
            "absent_unexcused": self.absent_unexcused,
            "unrecorded": self.unrecorded,
            "vote_base": self.vote_base,
            "denominator": self.denominator,
            "quorum": _outcome_json(self.quorum),
            "names": self.names,
        }


def _outcome_json(outcome: Outcome | None) -> dict | None:
    if outcome is None:
        return None
    return {
        "votes": outcome.votes,
        "base": outcome.base,
        "needed": outcome.needed,
        "passed": outcome.passed,
        "fraction": outcome.fraction,
        "strict": outcome.strict,
        "arithmetic": arithmetic(outcome),
    }


def cell_of(meeting: Meeting) -> Unit | None:
    """The cell whose members the meeting counts (a party group counts its own cell)."""
    unit = meeting.unit if meeting.unit_id else None
    if unit is None:
        return None
    if unit.kind == Unit.Kind.CELL:
        return unit
    if unit.kind == Unit.Kind.PARTY_GROUP and unit.parent_id:
        return unit.parent
    return None


def _shown(name: str, reason: str, status: str) -> str:
    return f"{name} ({reason})" if reason and status != Status.PRESENT else name


def _from_summary(summary) -> AttendanceFacts:
    facts = AttendanceFacts(
        total=summary.total,
        present=summary.present,
        exempt=summary.exempt,
        absent_excused=summary.absent_excused,
        absent_unexcused=summary.absent_unexcused,
        unrecorded=summary.unrecorded,
        vote_base=summary.vote_base,
        denominator=summary.denominator,
        quorum=summary.quorum,
        names={status: [] for status in STATUS_ORDER},
    )
    for row in summary.rows:
        if row.status in facts.names:
            facts.names[row.status].append(_shown(row.member.full_name, row.reason, row.status))
    return facts


def meeting_attendance(meeting: Meeting) -> AttendanceFacts:
    return _from_summary(attendance_summary(meeting))


def arithmetic(outcome: Outcome) -> str:
    """'7/9 ≥ 2/3 (cần 6)': rules.Outcome.arithmetic, printed in Vietnamese."""
    sign = ">" if outcome.strict else "≥"
    return f"{outcome.votes}/{outcome.base} {sign} {outcome.fraction} (cần {outcome.needed})"


def _stored_outcome(data) -> Outcome | None:
    if not isinstance(data, dict):
        return None
    try:
        return Outcome(
            votes=int(data["votes"]),
            base=int(data["base"]),
            needed=int(data["needed"]),
            passed=bool(data["passed"]),
            fraction=str(data["fraction"]),
            strict=bool(data["strict"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _base(vote: Vote, attendance: AttendanceFacts) -> int:
    """The denominator of the vote's rule: as stored with the result, else from attendance."""
    result = vote.result if isinstance(vote.result, dict) else {}
    if isinstance(result.get("base"), int):
        return result["base"]
    if vote.rule.base == VoteRule.Base.VALID_BALLOTS:
        if isinstance(result.get("valid"), int):
            return result["valid"]
        return sum(n or 0 for n in (vote.count_for, vote.count_against, vote.count_abstain))
    if vote.rule.base == VoteRule.Base.PRESENT:
        return attendance.vote_base
    return attendance.denominator


def _election(vote: Vote, base: int) -> list[dict]:
    result = vote.result if isinstance(vote.result, dict) else {}
    stored = result.get("candidates")
    if isinstance(stored, list) and stored:
        rows = [(c.get("name", ""), int(c.get("votes") or 0), c.get("elected")) for c in stored]
    else:
        rows = [(c.name, c.votes or 0, None) for c in vote.candidates.all()]
    out = []
    for name, count, elected in rows:
        outcome = evaluate(vote.rule, votes=count, base=base)
        out.append(
            {
                "name": name,
                "votes": count,
                "arithmetic": arithmetic(outcome),
                "elected": bool(outcome.passed if elected is None else elected),
            }
        )
    return out


def vote_facts(meeting: Meeting, attendance: AttendanceFacts) -> list[dict]:
    """Each closed vote of the meeting: question, method, counts, base and outcome."""
    votes = (
        meeting.votes.filter(status=Vote.Status.CLOSED)
        .select_related("rule")
        .prefetch_related("candidates")
        .order_by("created_at", "pk")
    )
    facts = []
    for vote in votes:
        result = vote.result if isinstance(vote.result, dict) else {}
        base = _base(vote, attendance)
        quorum = _stored_outcome(result.get("quorum"))
        entry = {
            "question": vote.question,
            "method": vote.method,
            "round": vote.round,
            "rule": vote.rule.label,
            "base": base,
            "for": vote.count_for,
            "against": vote.count_against,
            "abstain": vote.count_abstain,
            "invalid": vote.count_invalid,
            "quorum": _outcome_json(quorum),
        }
        if vote.method == Vote.Method.ELECTION:
            entry["candidates"] = _election(vote, base)
            entry["another_round"] = bool(result.get("another_round"))
        else:
            outcome = _stored_outcome(result.get("outcome")) or evaluate(
                vote.rule, votes=vote.count_for or 0, base=base
            )
            passed = result.get("passed")
            entry.update(
                passed=outcome.passed if not isinstance(passed, bool) else passed,
                needed=outcome.needed,
                arithmetic=arithmetic(outcome),
            )
        facts.append(entry)
    return facts


# --- the pre-filled text -----------------------------------------------------------------


def _unit_title(unit: Unit) -> str:
    name = unit.name
    if unit.kind == Unit.Kind.CELL and not fold(name).startswith("chi bo"):
        return f"Chi bộ {name}"
    if unit.kind == Unit.Kind.PARTY_GROUP and not fold(name).startswith("to dang"):
        return f"Tổ đảng {name}"
    return name


def _superior_of_committee(committee) -> str:
    if not committee.parent_id:
        return ""
    superior = committee.parent.name.upper()
    if superior.startswith("THÀNH ỦY "):
        superior = "ĐẢNG BỘ " + superior.removeprefix("THÀNH ỦY ")
    return superior


def heading_for(meeting: Meeting) -> dict:
    from capuyso.documents.services.outgoing import place_name

    committee = meeting.committee
    unit = meeting.unit if meeting.unit_id else None
    if unit is not None and unit.kind == Unit.Kind.CELL:
        superior, issuer = committee.name.upper(), _unit_title(unit).upper()
    elif unit is not None and unit.kind == Unit.Kind.PARTY_GROUP:
        parent = unit.parent if unit.parent_id else None
        superior = _unit_title(parent).upper() if parent else committee.name.upper()
        issuer = _unit_title(unit).upper()
    else:
        superior, issuer = _superior_of_committee(committee), committee.executive_name.upper()
    day = timezone.localtime(meeting.starts_at).date()
    phrase = KIND_PHRASES.get(meeting.kind, "Hội nghị")
    subtitle = f"{phrase} tháng {_month_text(day.month)} năm {day.year}"
    if meeting.kind in (Meeting.Kind.CELL_THEMATIC, Meeting.Kind.BRIEFING) and meeting.title:
        subtitle = f"{subtitle}: {meeting.title}"
    return {
        "superior": superior,
        "issuer": issuer,
        "title": "BIÊN BẢN",
        "subtitle": subtitle,
        "place": place_name(committee),
        "date": day.isoformat(),
        "chair": meeting.chair.full_name if meeting.chair_id else "",
        "secretary": meeting.secretary.full_name if meeting.secretary_id else "",
        "chair_title": "CHỦ TRÌ",
        "secretary_title": "THƯ KÝ",
    }


def _time_place_text(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    unit = meeting.unit if meeting.unit_id else None
    holder = _unit_title(unit) if unit is not None else meeting.committee.executive_name
    lines = [
        f"Vào lúc {start:%H} giờ {start:%M} phút, {_date_words(start.date())}, {holder} "
        f"tiến hành {KIND_PHRASES.get(meeting.kind, 'hội nghị').lower()}.",
    ]
    place = meeting.place.strip() or "trực tuyến"
    lines.append(f"Địa điểm: {place}. Hình thức: {MODE_WORDS.get(meeting.mode, '')}.")
    if meeting.mode != Meeting.Mode.IN_PERSON and meeting.online_url:
        lines.append(f"Đường dẫn họp trực tuyến: {meeting.online_url}")
    chair = meeting.chair.full_name if meeting.chair_id else "…"
    secretary = meeting.secretary.full_name if meeting.secretary_id else "…"
    lines.append(f"Chủ trì: đồng chí {chair}. Thư ký: đồng chí {secretary}.")
    return "\n".join(lines)


def attendance_text(facts: AttendanceFacts) -> str:
    if not facts.taken:
        return (
            f"Tổng số đảng viên: {facts.total}; có mặt: …; miễn sinh hoạt: …; "
            "vắng: … (có lý do: …, không lý do: …)."
        )
    lines = [
        f"Tổng số đảng viên: {facts.total}; có mặt: {facts.present}; "
        f"miễn sinh hoạt: {facts.exempt}; vắng: {facts.absent} "
        f"(có lý do: {facts.absent_excused}, không lý do: {facts.absent_unexcused})."
        + (f" Chưa điểm danh: {facts.unrecorded}." if facts.unrecorded else ""),
    ]
    labels = {
        Status.PRESENT: "Có mặt",
        Status.EXEMPT: "Miễn sinh hoạt",
        Status.ABSENT_EXCUSED: "Vắng có lý do",
        Status.ABSENT_UNEXCUSED: "Vắng không lý do",
    }
    for status in STATUS_ORDER:
        names = facts.names.get(status) or []
        if names:
            lines.append(f"- {labels[status]}: {', '.join(names)}.")
    if facts.quorum is not None:
        verdict = "đủ" if facts.quorum.passed else "không đủ"
        lines.append(
            f"Số đảng viên chính thức có mặt so với số phải triệu tập: "
            f"{arithmetic(facts.quorum)}; hội nghị {verdict} số lượng để tiến hành."
        )
    return "\n".join(lines)


def _agenda_text(meeting: Meeting) -> str:
    items = list(meeting.items.order_by("order", "pk"))
    if not items:
        return "…"
    lines = []
    for number, item in enumerate(items, start=1):
        line = f"{number}. {item.title}"
        if item.presenter:
            line += f" (trình bày: {item.presenter})"
        lines.append(line + ".")
    return "\n".join(lines)


def votes_text(votes: list[dict]) -> str:
    if not votes:
        return ""
    lines = []
    for number, vote in enumerate(votes, start=1):
        method = METHOD_WORDS.get(vote["method"], vote["method"])
        title = vote["question"]
        if vote["round"] > 1:
            title += f" (vòng {vote['round']})"
        if vote.get("candidates") is not None:
            lines.append(f"{number}. {title} — {method}; {vote['rule']}:")
            for candidate in vote["candidates"]:
                mark = "trúng cử" if candidate["elected"] else "không trúng cử"
                lines.append(
                    f"- {candidate['name']}: {candidate['votes']} phiếu, "
                    f"{candidate['arithmetic']}: {mark}."
                )
            if vote["invalid"]:
                lines.append(f"- Phiếu không hợp lệ: {vote['invalid']}.")
            if vote.get("another_round"):
                lines.append("- Chưa bầu đủ số lượng: bầu tiếp vòng sau.")
            continue
        counts = (
            f"tán thành {vote['for'] or 0}, không tán thành {vote['against'] or 0}, "
            f"không biểu quyết {vote['abstain'] or 0}"
        )
        if vote["invalid"]:
            counts += f", phiếu không hợp lệ {vote['invalid']}"
        verdict = "thông qua" if vote["passed"] else "không thông qua"
        quorum = vote.get("quorum")
        if quorum and not quorum["passed"]:
            verdict += f" (hội nghị không đủ số lượng: {quorum['arithmetic']})"
        lines.append(
            f"{number}. {title} — {method}: {counts}. {vote['rule']}: "
            f"{vote['arithmetic']}. Kết quả: {verdict}."
        )
    return "\n".join(lines)


def _closing_text(meeting: Meeting) -> str:
    if meeting.ends_at:
        end = timezone.localtime(meeting.ends_at)
        when = f"{end:%H} giờ {end:%M} phút"
    else:
        when = "… giờ … phút"
    return (
        f"Hội nghị kết thúc lúc {when} cùng ngày. Biên bản đã được đọc lại trước hội nghị "
        "và được các đồng chí dự họp nhất trí thông qua."
    )


def prefill(meeting: Meeting) -> dict:
    """The sections JSON of a new draft: heading, content and the facts behind it."""
    attendance = meeting_attendance(meeting)
    votes = vote_facts(meeting, attendance)
    content = {key: "" for key in SECTION_KEYS}
    content.update(
        time_place=_time_place_text(meeting),
        attendance=attendance_text(attendance),
        agenda=_agenda_text(meeting),
        votes=votes_text(votes),
        fees=FEES_LINE,
        closing=_closing_text(meeting),
    )
    return {
        "heading": heading_for(meeting),
        "content": content,
        "facts": {"attendance": attendance.as_json(), "votes": votes},
        "signatures": {},
    }

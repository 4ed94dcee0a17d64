"""A cell meeting ready for a secret ballot: voters with accounts, recorded present."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.meetings.models import Attendance, Meeting, Vote
from capuyso.meetings.services.ballots import ballot_create, ballot_open
from capuyso.meetings.tests.factories import make_meeting
from capuyso.members.models import Member


@dataclass
class BallotScene:
    meeting: Meeting
    vote: Vote
    voters: list[User]
    members: list[Member]
    probationary: User | None = None
    absent: User | None = None
    others: dict = field(default_factory=dict)


def voter(cast, name: str, username: str, *, present=True, meeting=None, **member_fields) -> User:
    member = make_member(cast.committee, cast.cell, name, **member_fields)
    user = make_user(cast.committee, username, name, Role.MEMBER, cast.cell)
    user.member = member
    user.save(update_fields=["member"])
    if meeting is not None:
        Attendance.objects.create(
            meeting=meeting,
            member=member,
            status=Attendance.Status.PRESENT if present else Attendance.Status.ABSENT_EXCUSED,
        )
    return user


def ballot_scene(
    cast,
    voters: int = 5,
    *,
    question="Kết nạp quần chúng Nguyễn Văn An vào Đảng",
    rule_code="resolution",
    open_it=True,
    extras=True,
    prefix="bophieu",
) -> BallotScene:
    """A cell meeting with `voters` full members present (with accounts), plus (extras) a
    probationary member present and a full member absent; and its secret ballot (open)."""
    meeting = make_meeting(cast)
    users = [
        voter(cast, f"Người bỏ phiếu {i}", f"{prefix}{i}", meeting=meeting)
        for i in range(1, voters + 1)
    ]
    scene = BallotScene(
        meeting=meeting,
        vote=None,  # type: ignore[arg-type]
        voters=users,
        members=[user.member for user in users],
    )
    if extras:
        scene.probationary = voter(
            cast,
            "Đảng viên dự bị",
            "dubi",
            meeting=meeting,
            status=Member.Status.PROBATIONARY,
            admission_date=dt.date.today() - dt.timedelta(days=100),
            full_membership_date=None,
        )
        scene.absent = voter(cast, "Đảng viên vắng", "vangmat", meeting=meeting, present=False)
    scene.vote = ballot_create(
        actor=cast.cell_secretary, meeting=meeting, question=question, rule_code=rule_code
    )
    if open_it:
        scene.vote = ballot_open(actor=cast.cell_secretary, vote=scene.vote)
    return scene

"""Open votes (raised cards, counts or names), paper ballots, the common life cycle and the
vote pages: hand-computed thresholds, coded refusals that change nothing, permissions on
every view, results only once closed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.documents.tests.factories import pdf_upload
from capuyso.meetings.models import AgendaItem, Attendance, Meeting, Vote
from capuyso.meetings.services import votes as services
from capuyso.meetings.services.elections import election_record
from capuyso.meetings.tests.factories import make_cell_members, make_meeting
from capuyso.members.models import Member

pytestmark = pytest.mark.django_db


def _present(meeting, members, status=Attendance.Status.PRESENT):
    for member in members:
        Attendance.objects.create(meeting=meeting, member=member, status=status)


@pytest.fixture
def room(cast):
    """A cell meeting: 9 full members (8 present, 1 absent) and a probationary member
    present, who does not vote."""
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 9)
    probationary = make_member(
        cast.committee,
        cast.cell,
        "Dự bị Một",
        status=Member.Status.PROBATIONARY,
        full_membership_date=None,
    )
    _present(meeting, [*members[:8], probationary])
    _present(meeting, members[8:], Attendance.Status.ABSENT_EXCUSED)
    return {"meeting": meeting, "members": members, "probationary": probationary}


def _vote(cast, meeting, *, rule="admission", method=Vote.Method.OPEN, **extra):
    return services.vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question=extra.pop("question", "Kết nạp quần chúng Nguyễn Văn A"),
        method=method,
        rule_code=rule,
        **extra,
    )


def _record(cast, vote, f, a, ab=0, *, close=True, actor=None):
    return services.open_vote_record(
        actor=actor or cast.cell_secretary,
        vote=vote,
        count_for=f,
        count_against=a,
        count_abstain=ab,
        close=close,
    )


def _codes(exc):
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


# --- Thresholds, computed by hand --------------------------------------------------------


def test_voters_are_the_full_members_present_and_the_base_all_full_members(cast, room):
    voters = services.voters_for(room["meeting"])
    assert voters.full_members == 9  # the probationary member is not counted
    assert voters.count == 8  # present and full
    assert room["probationary"].full_name not in [v.name for v in voters.present]


@pytest.mark.parametrize(
    ("rule", "votes_for", "against", "passed", "base", "needed"),
    [
        # Admission: at least 2/3 of the 9 full members → 6.
        ("admission", 6, 2, True, 9, 6),
        ("admission", 5, 3, False, 9, 6),
        # Recognition: the same 2/3 of all full members.
        ("recognition", 6, 0, True, 9, 6),
        # Resolution and discipline: more than 1/2 of the 9 full members → 5.
        ("resolution", 5, 3, True, 9, 5),
        ("resolution", 4, 4, False, 9, 5),
        ("discipline", 5, 1, True, 9, 5),
        # Personnel: more than 1/2 of the 8 present → 5.
        ("personnel", 5, 3, True, 8, 5),
        ("personnel", 4, 4, False, 8, 5),
    ],
)
def test_an_open_vote_passes_by_its_rule_with_the_arithmetic(
    cast, room, rule, votes_for, against, passed, base, needed
):
    vote = _record(cast, _vote(cast, room["meeting"], rule=rule), votes_for, against)
    assert vote.status == Vote.Status.CLOSED
    result = vote.result
    assert result["passed"] is passed
    assert (result["base"], result["outcome"]["needed"]) == (base, needed)
    assert result["outcome"]["votes"] == votes_for
    assert result["counts"] == {"for": votes_for, "against": against, "abstain": 0}
    assert result["voters"] == {"full_members": 9, "present": 8}
    assert result["quorum"]["passed"] is True
    outcome = services.outcome_from(result["outcome"])
    sign = "≥" if rule in ("admission", "recognition") else ">"
    fraction = "2/3" if sign == "≥" else "1/2"
    assert outcome.arithmetic.startswith(f"{votes_for}/{base} {sign} {fraction} (")
    assert outcome.arithmetic.endswith(f" {needed})")


def test_without_quorum_a_majority_does_not_pass(cast):
    # 9 full members, 5 present: the quorum (≥ 2/3 of 9 = 6) is not met.
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 9)
    _present(meeting, members[:5])
    vote = _record(cast, _vote(cast, meeting, rule="resolution"), 5, 0)
    assert vote.result["outcome"]["passed"] is True  # 5 > 9/2
    assert vote.result["quorum"] == {
        "votes": 5,
        "base": 9,
        "needed": 6,
        "passed": False,
        "fraction": "2/3",
        "strict": False,
    }
    assert vote.result["passed"] is False


def test_an_exempt_member_who_came_counts_and_one_absent_does_not(cast):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 9)
    from capuyso.members.models import Exemption

    for member in members[7:]:
        Exemption.objects.create(
            member=member,
            reason=Exemption.Reason.AGE,
            applied_on=meeting.starts_at.date().replace(year=2020),
            decision_date=meeting.starts_at.date().replace(year=2020),
            starts_on=meeting.starts_at.date().replace(year=2020),
        )
    _present(meeting, members[:8])  # members[7] is exempt and came; members[8] did not
    voters = services.voters_for(meeting)
    assert (voters.full_members, voters.count) == (8, 8)


# --- Open votes: refusals ----------------------------------------------------------------


def test_counts_above_the_voters_present_are_refused_and_change_nothing(cast, room):
    vote = _vote(cast, room["meeting"])
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, 6, 2, 1)  # 9 > 8 present who may vote
    assert _codes(exc) == {"__all__": ["too_many_votes"]}
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, -1, 2)
    assert _codes(exc) == {"count_for": ["negative"]}
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, 0, 0)
    assert _codes(exc) == {"__all__": ["no_votes"]}
    vote.refresh_from_db()
    assert (vote.status, vote.count_for, vote.result) == (Vote.Status.DRAFT, None, {})


def test_an_open_vote_needs_attendance(cast):
    meeting = make_meeting(cast)
    make_cell_members(cast, 3)
    vote = _vote(cast, meeting)
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, 1, 0)
    assert _codes(exc) == {"__all__": ["no_voters_present"]}


def test_counts_can_be_saved_then_closed_and_the_same_counts_again_do_nothing(cast, room):
    vote = _record(cast, _vote(cast, room["meeting"]), 6, 1, 1, close=False)
    assert vote.status == Vote.Status.OPEN
    assert vote.result == {}
    vote = services.vote_close(actor=cast.cell_secretary, vote=vote)
    first = vote.result
    assert first["passed"] is True
    # A double submit of the same counts: nothing changes.
    assert _record(cast, vote, 6, 1, 1).result == first
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, 5, 2, 1)
    assert exc.value.error_list[0].code == "vote_closed"
    vote.refresh_from_db()
    assert vote.count_for == 6


def test_by_names_the_counts_are_derived_and_the_names_kept(cast, room):
    members = room["members"]
    vote = _vote(cast, room["meeting"], rule="resolution")
    choices = {str(m.code): "for" for m in members[:5]}
    choices[str(members[5].code)] = "against"
    choices[str(members[6].code)] = "abstain"
    choices[str(members[7].code)] = ""  # did not vote
    vote = services.open_vote_record_names(
        actor=cast.cell_secretary, vote=vote, choices=choices, close=True
    )
    assert (vote.count_for, vote.count_against, vote.count_abstain) == (5, 1, 1)
    assert vote.result["passed"] is True
    assert [row["name"] for row in vote.result["named"]["against"]] == [members[5].full_name]
    assert len(vote.named["for"]) == 5


def test_by_names_only_voters_present_count(cast, room):
    vote = _vote(cast, room["meeting"])
    for member in (room["probationary"], room["members"][8]):
        with pytest.raises(ValidationError) as exc:
            services.open_vote_record_names(
                actor=cast.cell_secretary, vote=vote, choices={str(member.code): "for"}
            )
        assert _codes(exc) == {"choices": ["not_a_voter"]}
    with pytest.raises(ValidationError) as exc:
        services.open_vote_record_names(
            actor=cast.cell_secretary,
            vote=vote,
            choices={str(room["members"][0].code): "maybe"},
        )
    assert _codes(exc) == {"choices": ["invalid_choice"]}


# --- Creating a vote ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"question": "  "}, "question", "required"),
        ({"rule_code": "nonsense"}, "rule_code", "unknown_rule"),
        ({"method": "show_of_hands"}, "method", "invalid_method"),
        ({"seats": 2}, "candidates", "not_an_election"),
    ],
)
def test_vote_creation_checks(cast, room, values, field, code):
    arguments = {
        "actor": cast.cell_secretary,
        "meeting": room["meeting"],
        "question": "Thông qua nghị quyết tháng 11",
        "method": Vote.Method.OPEN,
        "rule_code": "resolution",
        **values,
    }
    with pytest.raises(ValidationError) as exc:
        services.vote_create(**arguments)
    assert _codes(exc)[field] == [code]
    assert not Vote.objects.exists()


def test_a_vote_on_another_meetings_item_is_refused(cast, room):
    other = make_meeting(cast, title="Khác")
    item = AgendaItem.objects.create(meeting=other, order=1, title="Nhân sự")
    with pytest.raises(ValidationError) as exc:
        _vote(cast, room["meeting"], item=item)
    assert _codes(exc) == {"item": ["item_other_meeting"]}


def test_no_vote_on_a_cancelled_or_held_meeting(cast, room):
    meeting = room["meeting"]
    vote = _vote(cast, meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _vote(cast, meeting, question="Khác")
    assert exc.value.error_list[0].code == "meeting_over"
    with pytest.raises(ValidationError) as exc:
        _record(cast, vote, 6, 0)
    assert exc.value.error_list[0].code == "meeting_over"


def test_the_same_vote_submitted_twice_is_created_once(cast, room):
    first = _vote(cast, room["meeting"])
    assert _vote(cast, room["meeting"]) == first
    assert Vote.objects.count() == 1
    assert _vote(cast, room["meeting"], question="Kết nạp quần chúng Trần Văn B") != first


def test_the_rule_is_the_one_in_force_on_the_meeting_day(cast, room):
    vote = _vote(cast, room["meeting"], rule="admission")
    assert (vote.rule.code, vote.rule.numerator, vote.rule.denominator) == ("admission", 2, 3)


# --- The life cycle ----------------------------------------------------------------------


def test_open_and_close_are_idempotent_and_close_needs_an_open_vote(cast, room):
    vote = _vote(cast, room["meeting"])
    with pytest.raises(ValidationError) as exc:
        services.vote_close(actor=cast.cell_secretary, vote=vote)
    assert exc.value.error_list[0].code == "not_open"
    vote = services.vote_open(actor=cast.cell_secretary, vote=vote)
    opened_at = vote.opened_at
    assert services.vote_open(actor=cast.cell_secretary, vote=vote).opened_at == opened_at
    with pytest.raises(ValidationError) as exc:
        services.vote_close(actor=cast.cell_secretary, vote=vote)
    assert exc.value.error_list[0].code == "counts_missing"
    _record(cast, vote, 6, 2, close=False)
    closed = services.vote_close(actor=cast.cell_secretary, vote=vote)
    again = services.vote_close(actor=cast.cell_secretary, vote=vote)
    assert again.closed_at == closed.closed_at
    with pytest.raises(ValidationError) as exc:
        services.vote_open(actor=cast.cell_secretary, vote=vote)
    assert exc.value.error_list[0].code == "vote_closed"


def test_the_chair_opens_and_closes_but_only_organisers_record(cast, room):
    meeting = room["meeting"]
    Meeting.objects.filter(pk=meeting.pk).update(chair=cast.member)
    vote = _vote(cast, meeting)
    vote = services.vote_open(actor=cast.member, vote=vote)
    with pytest.raises(PermissionDenied):
        _record(cast, vote, 6, 0, actor=cast.member)
    _record(cast, vote, 6, 0, close=False)
    assert services.vote_close(actor=cast.member, vote=vote).status == Vote.Status.CLOSED
    with pytest.raises(PermissionDenied):
        services.vote_close(actor=cast.committee_member, vote=vote)  # sees, does not run


def test_members_and_other_cells_cannot_create_votes(cast, room):
    for actor in (cast.member, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.vote_create(
                actor=actor,
                meeting=room["meeting"],
                question="x",
                method=Vote.Method.OPEN,
                rule_code="resolution",
            )


def test_a_method_counted_elsewhere_closes_with_the_result_it_gives(cast, room, monkeypatch):
    # A method with no tally of its own (hooks replaced for the test): closing needs the
    # caller's result, and the hooks run at open and close on the locked vote.
    calls = []
    monkeypatch.setitem(
        services._HOOKS,
        Vote.Method.SECRET,
        services.MethodHooks(
            on_open=lambda vote, actor: calls.append(("open", vote.status, actor)),
            on_close=lambda vote, actor: calls.append(("close", vote.status, actor)),
        ),
    )
    vote = _vote(cast, room["meeting"], method=Vote.Method.SECRET, rule="personnel")
    services.vote_open(actor=cast.cell_secretary, vote=vote)
    with pytest.raises(ValidationError) as exc:
        services.vote_close(actor=cast.cell_secretary, vote=vote)
    assert exc.value.error_list[0].code == "no_tally"
    vote = services.vote_close(actor=cast.cell_secretary, vote=vote, result={"passed": True})
    assert (vote.status, vote.result) == (Vote.Status.CLOSED, {"passed": True})
    assert calls == [
        ("open", Vote.Status.OPEN, cast.cell_secretary),
        ("close", Vote.Status.CLOSED, cast.cell_secretary),
    ]


def test_every_change_is_audited(cast, room):
    vote = _record(cast, _vote(cast, room["meeting"]), 6, 2)
    events = AuditEvent.objects.filter(object_id=str(vote.code)).order_by("seq")
    assert events.count() == 3  # created; counts recorded (and opened); closed
    assert events.first().verb == "create"
    assert events.first().object_label == vote.question
    assert events.first().committee_id == cast.committee.pk
    assert events.last().changes["passed"] is True


# --- Paper ballots -----------------------------------------------------------------------


def _paper(cast, vote, *, f=6, a=1, invalid=1, issued=8, collected=8, committee=None, **kw):
    return services.paper_vote_record(
        actor=kw.pop("actor", cast.cell_secretary),
        vote=vote,
        count_for=f,
        count_against=a,
        invalid=invalid,
        issued=issued,
        collected=collected,
        counting_committee=committee if committee is not None else ["Lê A", "Trần B", "Lê A"],
        close=kw.pop("close", True),
    )


def test_a_paper_ballot_counts_its_ballots_and_passes_by_the_rule(cast, room):
    vote = _paper(cast, _vote(cast, room["meeting"], method=Vote.Method.PAPER))
    result = vote.result
    assert (vote.ballots_issued, vote.ballots_collected, vote.count_invalid) == (8, 8, 1)
    assert result["ballots"] == {"invalid": 1, "valid": 7}
    assert result["counts"] == {"for": 6, "against": 1}
    assert vote.counting_committee_names == ["Lê A", "Trần B"]  # the repeat dropped
    assert vote.counting_committee == "Lê A\nTrần B"
    assert (result["base"], result["outcome"]["needed"], result["passed"]) == (9, 6, True)


def test_paper_figures_must_add_up(cast, room):
    vote = _vote(cast, room["meeting"], method=Vote.Method.PAPER)
    with pytest.raises(ValidationError) as exc:
        _paper(cast, vote, f=6, a=2, invalid=1)  # 9 ≠ 8 collected
    assert _codes(exc) == {"__all__": ["ballots_dont_add_up"]}
    with pytest.raises(ValidationError) as exc:
        _paper(cast, vote, issued=7)
    assert _codes(exc) == {"collected": ["collected_over_issued"]}
    with pytest.raises(ValidationError) as exc:
        _paper(cast, vote, issued=10, collected=10, f=9)
    assert _codes(exc) == {"issued": ["issued_over_voters"]}
    with pytest.raises(ValidationError) as exc:
        _paper(cast, vote, committee=[])
    assert _codes(exc) == {"counting_committee": ["committee_required"]}
    with pytest.raises(ValidationError) as exc:
        _paper(cast, vote, invalid=-1)
    assert _codes(exc) == {"invalid": ["negative"]}
    vote.refresh_from_db()
    assert (vote.status, vote.result, vote.count_for) == (Vote.Status.DRAFT, {}, None)


def test_a_valid_ballots_rule_counts_against_the_valid_ballots(cast, room):
    from capuyso.meetings.models import VoteRule

    VoteRule.objects.create(
        committee=cast.committee,
        code="resolution",
        label="Nghị quyết (phiếu hợp lệ)",
        effective_from=room["meeting"].starts_at.date().replace(year=2000),
        numerator=1,
        denominator=2,
        strict=True,
        base=VoteRule.Base.VALID_BALLOTS,
    )
    vote = _paper(
        cast, _vote(cast, room["meeting"], method=Vote.Method.PAPER, rule="resolution"), f=4, a=3
    )
    assert (vote.result["base"], vote.result["outcome"]["needed"]) == (7, 4)
    assert vote.result["passed"] is True


def test_counting_minutes_are_a_pdf_or_docx_of_a_counted_vote(cast, room):
    vote = _vote(cast, room["meeting"], method=Vote.Method.PAPER)
    vote = services.counting_minutes_attach(
        actor=cast.cell_secretary, vote=vote, upload=pdf_upload("bien-ban-kiem-phieu.pdf")
    )
    assert vote.counting_minutes.original_name == "bien-ban-kiem-phieu.pdf"
    with pytest.raises(ValidationError) as exc:
        services.counting_minutes_attach(
            actor=cast.cell_secretary,
            vote=vote,
            upload=SimpleUploadedFile("anh.pdf", b"not a pdf at all"),
        )
    assert _codes(exc) == {"file": ["bad_file"]}
    open_vote = _vote(cast, room["meeting"], question="Khác")
    with pytest.raises(ValidationError) as exc:
        services.counting_minutes_attach(
            actor=cast.cell_secretary, vote=open_vote, upload=pdf_upload()
        )
    assert exc.value.error_list[0].code == "wrong_method"
    with pytest.raises(PermissionDenied):
        services.counting_minutes_attach(actor=cast.member, vote=vote, upload=pdf_upload())


# --- Pages -------------------------------------------------------------------------------


def _url(name, obj):
    return reverse(f"meetings:{name}", args=[obj.code])


POST_VIEWS = [
    "vote_open",
    "vote_close",
    "vote_counts",
    "vote_paper",
    "election_count",
    "election_next_round",
    "vote_minutes",
]


@pytest.mark.parametrize("name", POST_VIEWS)
def test_post_only_views_refuse_get_member_and_outsider(cast, room, client_for, name):
    vote = _vote(cast, room["meeting"])
    assert client_for(cast.cell_secretary).get(_url(name, vote)).status_code == 405
    assert client_for(cast.member).post(_url(name, vote)).status_code == 403
    assert client_for(cast.outsider).post(_url(name, vote)).status_code == 404


@pytest.mark.parametrize("name", ["vote_new", "election_new"])
def test_new_vote_pages_are_for_organisers(cast, room, client_for, name):
    meeting = room["meeting"]
    assert client_for(cast.cell_secretary).get(_url(name, meeting)).status_code == 200
    assert client_for(cast.member).get(_url(name, meeting)).status_code == 403
    assert client_for(cast.outsider).get(_url(name, meeting)).status_code == 404
    other = make_meeting(cast, unit=cast.other_cell)
    assert client_for(cast.cell_secretary).get(_url(name, other)).status_code == 403


def test_the_secretary_records_an_open_vote_in_two_posts(cast, room, client_for):
    client = client_for(cast.cell_secretary)
    response = client.post(
        _url("vote_new", room["meeting"]),
        {"question": "Kết nạp quần chúng Lê Văn C", "rule_code": "admission", "method": "open"},
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("vote", vote)
    page = client.get(_url("vote", vote))
    assert page.status_code == 200
    assert 'name="count_for"' in page.content.decode()
    response = client.post(
        _url("vote_counts", vote),
        {"count_for": "6", "count_against": "2", "count_abstain": "0", "then": "close"},
    )
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.status == Vote.Status.CLOSED and vote.result["passed"] is True
    page = client.get(_url("vote", vote)).content.decode()
    assert "6/9 ≥ 2/3" in page


def test_bad_counts_show_the_error_on_the_page_and_change_nothing(cast, room, client_for):
    vote = _vote(cast, room["meeting"])
    client = client_for(cast.cell_secretary)
    response = client.post(
        _url("vote_counts", vote),
        {"count_for": "7", "count_against": "2", "count_abstain": "0", "then": "close"},
    )
    assert response.status_code == 200
    assert response.context["counts_form"].errors["__all__"]
    response = client.post(
        _url("vote_counts", vote),
        {"count_for": "-1", "count_against": "x", "count_abstain": "", "then": "close"},
    )
    form = response.context["counts_form"]
    assert set(form.errors) == {"count_for", "count_against", "count_abstain"}
    vote.refresh_from_db()
    assert (vote.status, vote.count_for) == (Vote.Status.DRAFT, None)


def test_results_show_only_once_closed(cast, room, client_for):
    vote = _record(cast, _vote(cast, room["meeting"]), 6, 2, close=False)
    client = client_for(cast.member)
    page = client.get(_url("vote", vote))
    assert page.status_code == 200
    assert 'id="result"' not in page.content.decode()
    assert 'name="count_for"' not in page.content.decode()
    services.vote_close(actor=cast.cell_secretary, vote=vote)
    page = client_for(cast.member).get(_url("vote", vote)).content.decode()
    assert 'id="result"' in page
    assert client_for(cast.outsider).get(_url("vote", vote)).status_code == 404
    other_cell_member = make_meeting(cast, unit=cast.other_cell)
    other_vote = Vote.objects.create(
        meeting=other_cell_member, question="x", method="open", rule=vote.rule
    )
    assert client_for(cast.member).get(_url("vote", other_vote)).status_code == 403


def test_a_vote_on_a_confidential_item_is_for_those_present(cast, room, client_for):
    item = AgendaItem.objects.create(
        meeting=room["meeting"], order=1, title="Nhân sự", confidential=True
    )
    vote = _vote(cast, room["meeting"], item=item)
    assert client_for(cast.member).get(_url("vote", vote)).status_code == 403
    cast.member.member = room["members"][0]
    cast.member.save(update_fields=["member"])
    assert client_for(cast.member).get(_url("vote", vote)).status_code == 200


def test_votes_by_name_page(cast, room, client_for):
    vote = _vote(cast, room["meeting"], rule="resolution")
    client = client_for(cast.cell_secretary)
    page = client.get(_url("vote_names", vote))
    assert page.status_code == 200
    content = page.content.decode()
    assert room["members"][0].full_name in content
    assert room["probationary"].full_name not in content
    everyone = client.get(_url("vote_names", vote) + "?everyone=for").context["form"]
    assert {everyone.fields[f"m_{m.code}"].initial for m in room["members"][:8]} == {"for"}
    data = {f"m_{m.code}": "for" for m in room["members"][:6]}
    data["then"] = "close"
    assert client.post(_url("vote_names", vote), data).status_code == 302
    vote.refresh_from_db()
    assert (vote.status, vote.count_for, vote.count_against) == (Vote.Status.CLOSED, 6, 0)
    assert client_for(cast.member).get(_url("vote_names", vote)).status_code == 403
    assert client_for(cast.outsider).get(_url("vote_names", vote)).status_code == 404


def test_the_paper_ballot_page_and_its_minutes(cast, room, client_for):
    vote = _vote(cast, room["meeting"], method=Vote.Method.PAPER)
    client = client_for(cast.cell_secretary)
    response = client.post(
        _url("vote_paper", vote),
        {
            "issued": "8",
            "collected": "8",
            "count_for": "6",
            "count_against": "1",
            "invalid": "1",
            "counting_committee": "Lê A\nTrần B\nPhạm C",
            "then": "save",
        },
    )
    assert response.status_code == 302
    response = client.post(_url("vote_minutes", vote), {"file": pdf_upload("kiem-phieu.pdf")})
    assert response.status_code == 302
    assert client.get(_url("vote_minutes_file", vote)).status_code == 200
    # The minutes carry the result: readers get them once the vote is closed.
    assert client_for(cast.member).get(_url("vote_minutes_file", vote)).status_code == 403
    client = client_for(cast.cell_secretary)
    assert client.post(_url("vote_close", vote)).status_code == 302
    vote.refresh_from_db()
    assert vote.result["ballots"]["valid"] == 7
    assert client_for(cast.member).get(_url("vote_minutes_file", vote)).status_code == 200
    assert client_for(cast.outsider).get(_url("vote_minutes_file", vote)).status_code == 404


def test_the_election_pages(cast, room, client_for):
    client = client_for(cast.cell_secretary)
    response = client.post(
        _url("election_new", room["meeting"]),
        {"question": "Bầu bí thư chi bộ", "seats": "1", "candidates": "Trần Văn An\nLê Thị Bình"},
    )
    vote = Vote.objects.get()
    assert response["Location"] == _url("vote", vote)
    codes = {c.name: c.code for c in vote.candidates.all()}
    data = {
        "issued": "8",
        "collected": "8",
        "invalid": "0",
        f"candidate_{codes['Trần Văn An']}": "4",
        f"candidate_{codes['Lê Thị Bình']}": "4",
        "counting_committee": "Lê A",
        "then": "close",
    }
    assert client.post(_url("election_count", vote), data).status_code == 302
    vote.refresh_from_db()
    assert vote.result["reason"] == "shortfall"  # 4 of 8 is not more than half
    page = client.get(_url("vote", vote)).content.decode()
    assert _url("election_next_round", vote) in page
    response = client.post(_url("election_next_round", vote))
    second = Vote.objects.get(previous_round=vote)
    assert response["Location"] == _url("vote", second)
    assert client.post(_url("election_next_round", vote))["Location"] == _url("vote", second)


def test_the_panel_lists_votes_with_results_only_when_closed(
    cast, room, django_assert_max_num_queries
):
    meeting = room["meeting"]
    closed = _record(cast, _vote(cast, meeting), 6, 2)
    _vote(cast, meeting, question="Thông qua nghị quyết", rule="resolution")
    item = AgendaItem.objects.create(meeting=meeting, order=1, title="Kỷ luật", confidential=True)
    _vote(cast, meeting, question="Kỷ luật đảng viên X", rule="discipline", item=item)
    election = _vote(
        cast,
        meeting,
        question="Bầu bí thư",
        method=Vote.Method.ELECTION,
        rule="election",
        seats=1,
        candidates=["A", "B"],
    )
    codes = {c.name: str(c.code) for c in election.candidates.all()}
    election_record(
        actor=cast.cell_secretary,
        vote=election,
        candidate_votes={codes["A"]: 6, codes["B"]: 2},
        invalid=0,
        issued=8,
        collected=8,
        counting_committee=["X"],
        close=True,
    )
    request = RequestFactory().get("/")
    request.user = cast.member
    with django_assert_max_num_queries(8):
        html = render_to_string(
            "meetings/_votes_panel.html",
            {"meeting": meeting, "can_manage": False, "request": request},
        )
    assert closed.question in html
    assert "Thông qua nghị quyết" in html
    assert "Kỷ luật đảng viên X" not in html  # confidential, the member is not present
    assert html.count("6/9 ≥ 2/3") == 1
    assert "A" in html and _url("vote_new", meeting) not in html
    request.user = cast.cell_secretary
    html = render_to_string(
        "meetings/_votes_panel.html", {"meeting": meeting, "can_manage": True, "request": request}
    )
    assert "Kỷ luật đảng viên X" in html
    assert _url("vote_new", meeting) in html


def test_the_new_vote_form_offers_motions_and_a_secret_ballot_has_its_own_page(
    cast, room, client_for
):
    client = client_for(cast.cell_secretary)
    form = client.get(_url("vote_new", room["meeting"])).context["form"]
    offered = {code for code, _label in form.fields["rule_code"].choices}
    assert {"admission", "recognition", "resolution", "discipline", "personnel"} <= offered
    assert not offered & {"quorum", "election"}
    secret = _vote(cast, room["meeting"], method=Vote.Method.SECRET, rule="personnel")
    response = client.get(_url("vote", secret))
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:ballot", args=[secret.code])

"""Forms of the vote pages. They parse input; the services decide and refuse with coded
errors shown on the fields. Choices (vote types, agenda items, candidates, voters) come
from the view, so a form never offers another meeting's items."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.meetings.models import Vote

BIG_NUMBER = {
    "inputmode": "numeric",
    "pattern": "[0-9]*",
    "min": "0",
    "class": "big-number",
    "autocomplete": "off",
}


def _count(label, *, required=True):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100000,
        required=required,
        widget=forms.NumberInput(attrs=BIG_NUMBER),
    )


def _names(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class NamesField(forms.CharField):
    """One name per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        return _names(super().to_python(value))


def item_choices(items) -> list[tuple[str, str]]:
    choices = [("", _("— No agenda item —"))]
    for item in items:
        label = f"{item.order}. {item.title}"
        if item.confidential:
            label += " " + str(_("(confidential)"))
        choices.append((str(item.code), label))
    return choices


class VoteForm(forms.Form):
    """A new open vote or paper ballot."""

    METHODS = [
        (Vote.Method.OPEN.value, Vote.Method.OPEN.label),
        (Vote.Method.PAPER.value, Vote.Method.PAPER.label),
    ]

    question = forms.CharField(
        label=_("Question put to the vote"),
        max_length=255,
        help_text=_("For example: Admit Nguyễn Văn A into the Party."),
    )
    rule_code = forms.ChoiceField(label=_("Vote type"))
    method = forms.ChoiceField(
        label=_("How the vote is taken"), choices=METHODS, widget=forms.RadioSelect
    )
    item = forms.ChoiceField(label=_("Agenda item"), required=False)

    def __init__(self, *args, rules=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The quorum is not put to a vote, and elections have their own form.
        self.fields["rule_code"].choices = [
            (rule.code, rule_label(rule))
            for rule in rules
            if rule.code not in ("quorum", "election")
        ]
        self.fields["rule_code"].initial = "resolution"
        self.fields["item"].choices = item_choices(items)
        self.fields["method"].initial = Vote.Method.OPEN


def rule_label(rule) -> str:
    sign = ">" if rule.strict else "≥"
    return f"{rule.label} ({sign} {rule.numerator}/{rule.denominator})"


class ElectionForm(forms.Form):
    question = forms.CharField(
        label=_("Election"),
        max_length=255,
        help_text=_("For example: Elect the cell committee for the 2025–2030 term."),
    )
    seats = forms.IntegerField(
        label=_("Seats to fill"), min_value=1, max_value=99, widget=forms.NumberInput(BIG_NUMBER)
    )
    candidates = NamesField(
        label=_("Candidates"),
        help_text=_("One name per line, in the order of the ballot."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    item = forms.ChoiceField(label=_("Agenda item"), required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices(items)


class OpenCountsForm(forms.Form):
    count_for = _count(pgettext_lazy("vote choice", "For"))
    count_against = _count(pgettext_lazy("vote choice", "Against"))
    count_abstain = _count(_("Abstain"))


class BallotFiguresForm(forms.Form):
    """What a counting committee reports: ballots issued, collected and invalid, and its
    members' names."""

    issued = _count(_("Ballots issued"))
    collected = _count(_("Ballots collected"))
    invalid = _count(_("Invalid ballots"))
    counting_committee = NamesField(
        label=_("Counting committee"),
        help_text=_("The members of the counting committee, one name per line."),
    )


class PaperCountsForm(BallotFiguresForm):
    count_for = _count(_("Ballots for"))
    count_against = _count(_("Ballots against"))

    field_order = [
        "issued",
        "collected",
        "count_for",
        "count_against",
        "invalid",
        "counting_committee",
    ]


class ElectionCountsForm(BallotFiguresForm):
    """The figures of an election, with one count field per candidate (`candidate_<code>`)."""

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate_fields = []
        for candidate in candidates:
            name = f"candidate_{candidate.code}"
            self.fields[name] = _count(candidate.name)
            self.candidate_fields.append((candidate, name))
        self.order_fields(["issued", "collected", "invalid"])

    def candidate_votes(self) -> dict[str, int]:
        return {
            str(candidate.code): self.cleaned_data[name]
            for candidate, name in self.candidate_fields
        }

    def bound_candidates(self):
        return [self[name] for _candidate, name in self.candidate_fields]


class NamesForm(forms.Form):
    """An open vote by names: a choice per member present who may vote (`m_<code>`)."""

    CHOICES = [
        ("for", pgettext_lazy("vote choice", "For")),
        ("against", pgettext_lazy("vote choice", "Against")),
        ("abstain", _("Abstain")),
        ("", _("Did not vote")),
    ]

    def __init__(self, *args, voters=(), named=None, everyone="", **kwargs):
        """`named`: the names already recorded; `everyone`: a choice to start every voter
        on (the secretary then changes the few who differ)."""
        super().__init__(*args, **kwargs)
        chosen = {}
        for choice, rows in (named or {}).items():
            for row in rows:
                chosen[row["code"]] = choice
        if everyone in ("for", "against", "abstain"):
            chosen = {voter.code: everyone for voter in voters}
        self.voter_fields = []
        for voter in voters:
            name = f"m_{voter.code}"
            self.fields[name] = forms.ChoiceField(
                label=voter.name,
                choices=self.CHOICES,
                required=False,
                initial=chosen.get(voter.code, ""),
                widget=forms.RadioSelect,
            )
            self.voter_fields.append((voter, name))

    def choices(self) -> dict[str, str]:
        return {voter.code: self.cleaned_data.get(name) or "" for voter, name in self.voter_fields}

    def bound_voters(self):
        return [self[name] for _voter, name in self.voter_fields]


class BallotForm(forms.Form):
    """A new secret ballot: a question with its vote type, or an election by strike-out."""

    KINDS = [
        ("question", _("A question: for, against or abstain")),
        ("election", _("An election: strike out names")),
    ]

    question = forms.CharField(
        label=_("Question put to the vote"),
        max_length=255,
        help_text=_("For example: Admit Nguyễn Văn A into the Party."),
    )
    kind = forms.ChoiceField(
        label=_("Ballot"), choices=KINDS, widget=forms.RadioSelect, initial="question"
    )
    rule_code = forms.ChoiceField(label=_("Vote type"))
    seats = forms.IntegerField(
        label=_("Seats to fill (election)"), min_value=1, max_value=99, required=False
    )
    candidates = NamesField(
        label=_("Candidates (election)"),
        required=False,
        help_text=_("One name per line, in the order of the ballot."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    item = forms.ChoiceField(label=_("Agenda item"), required=False)

    def __init__(self, *args, rules=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_code"].choices = [
            (rule.code, rule_label(rule)) for rule in rules if rule.code != "quorum"
        ]
        self.fields["rule_code"].initial = "personnel"
        self.fields["item"].choices = item_choices(items)


class MinutesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Counting committee's minutes"), help_text=_("PDF or DOCX, signed and scanned.")
    )

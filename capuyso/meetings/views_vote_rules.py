"""Vote thresholds (administrator): the rules in force and committee rules from a date."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors, date_widget
from capuyso.meetings.models import VoteRule
from capuyso.meetings.rules import rules_in_force
from capuyso.meetings.services import vote_rules as services


class VoteRuleForm(forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Vote type"))
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=date_widget())
    strict = forms.TypedChoiceField(
        label=gettext_lazy("Passes with"),
        choices=[("1", gettext_lazy("more than")), ("0", gettext_lazy("at least"))],
        coerce=lambda v: v == "1",
    )
    numerator = forms.IntegerField(label=gettext_lazy("Numerator"), min_value=1, max_value=99)
    denominator = forms.IntegerField(label=gettext_lazy("Denominator"), min_value=1, max_value=99)
    base = forms.ChoiceField(label=gettext_lazy("Counted against"), choices=VoteRule.Base.choices)
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=255, required=False)

    def __init__(self, *args, codes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = list(codes.items())


def _committee(request):
    committee = request.user.committee
    if committee is None or not services.may_configure(request.user, committee):
        raise PermissionDenied
    return committee


@login_required
def vote_rules(request):
    committee = _committee(request)
    today = timezone.localdate()
    form = VoteRuleForm(
        request.POST or None,
        codes=services.known_codes(),
        initial={"effective_from": today + dt.timedelta(days=1), "strict": "0"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vote_rule_add(actor=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The vote rule was saved."))
            return redirect("meetings:vote_rules")
    rows = VoteRule.objects.filter(Q(committee=committee) | Q(committee__isnull=True)).order_by(
        "code", "-effective_from"
    )
    context = {
        "in_force": rules_in_force(committee, today),
        "rows": rows,
        "form": form,
        "today": today,
    }
    return render(request, "meetings/settings_vote_rules.html", context)


@login_required
@require_POST
def vote_rule_withdraw(request, code, effective_from):
    """`code` is the vote type (VoteRule has no UUID: its `code` is the type's slug)."""
    committee = _committee(request)
    try:
        day = dt.date.fromisoformat(effective_from)
        rule = VoteRule.objects.get(code=code, effective_from=day, committee=committee)
    except (VoteRule.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    try:
        services.vote_rule_withdraw(actor=request.user, committee=committee, rule=rule)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The rule that had not yet come into force was withdrawn."))
    return redirect("meetings:vote_rules")

"""Fee rules pages for the committee's administrator (FEES_CONFIGURE over the committee):
settings, groups, rules, retention shares, bank accounts, and what is in force on a date."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.fees import selectors_rules as sel
from capuyso.fees.access import require_committee
from capuyso.fees.forms_rules import (
    BankAccountForm,
    EndForm,
    GroupForm,
    MonthPickForm,
    RetentionForm,
    RuleForm,
    SettingsForm,
)
from capuyso.fees.models import BankAccount, FeeGroup, FeeRule, FeeSettings, RetentionRule
from capuyso.fees.services import rules as services


def _configure(request):
    return require_committee(request.user, configure=True)


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def rules(request):
    committee = _configure(request)
    day = _day(request)
    closed = sel.closed_month_list(committee)
    settings_rows = list(sel.settings_rows(committee))
    for row in settings_rows:
        later = [
            r.effective_from
            for r in settings_rows
            if r.committee_id and r.effective_from > row.effective_from
        ]
        end = min(later) - dt.timedelta(days=1) if later else None
        row.used = bool(row.committee_id) and sel.covers_closed(row, closed, end)
    rule_rows = list(sel.rule_rows(committee))
    retention = list(sel.retention_rows(committee))
    for row in [*rule_rows, *retention]:
        row.used = bool(row.committee_id) and sel.covers_closed(row, closed)
    context = {
        "committee": committee,
        "in_force": sel.in_force_on(committee, day),
        "settings_rows": settings_rows,
        "groups": sel.groups_for(committee),
        "rule_rows": rule_rows,
        "retention_rows": retention,
        "accounts": sel.bank_accounts(committee),
        "closed_months": closed[-3:],
        "month_form": MonthPickForm(initial={"month": timezone.localdate().replace(day=1)}),
    }
    if request.htmx and "on" in request.GET:
        return render(request, "fees/rules.html#in_force", context)
    return render(request, "fees/rules.html", context)


def _form_page(request, *, form, save, title: str, done: str, row=None):
    """Validate `form`, call save(cleaned_data); show the service's errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("fees:rules")
    return render(request, "fees/rules_form.html", {"form": form, "title": title, "row": row})


def _initial(row, fields) -> dict:
    return {name: getattr(row, name) for name in fields} if row is not None else {}


# --- Settings ------------------------------------------------------------------------------


def _settings_form(request, committee, row=None):
    source = row or sel.settings_in_force(committee, timezone.localdate()) or FeeSettings()
    initial = _initial(source, services.SETTINGS_FIELDS)
    if row is None:
        initial["effective_from"] = timezone.localdate().replace(day=1)
        initial["legal_basis"] = ""
    form = SettingsForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        save=lambda data: services.fee_settings_save(
            actor=request.user, committee=committee, values=data, row=row
        ),
        title=_("Correct fee settings") if row else _("Fee settings from a date"),
        done=_("The fee settings were saved."),
        row=row,
    )


@login_required
def settings_add(request):
    return _settings_form(request, _configure(request))


@login_required
def settings_edit(request, code):
    committee = _configure(request)
    return _settings_form(request, committee, sel.get_row(FeeSettings, committee, code))


# --- Groups -------------------------------------------------------------------------------


def _group_form(request, committee, group=None):
    form = GroupForm(request.POST or None, initial=_initial(group, services.GROUP_FIELDS))
    return _form_page(
        request,
        form=form,
        save=lambda data: services.fee_group_save(
            actor=request.user, committee=committee, values=data, group=group
        ),
        title=_("Correct a fee group") if group else _("Add a fee group"),
        done=_("The fee group was saved."),
        row=group,
    )


@login_required
def group_add(request):
    return _group_form(request, _configure(request))


@login_required
def group_edit(request, code):
    committee = _configure(request)
    return _group_form(request, committee, sel.get_row(FeeGroup, committee, code))


# --- Rules --------------------------------------------------------------------------------


def _rule_form(request, committee, rule=None):
    initial = _initial(rule, services.RULE_FIELDS)
    if rule is None:
        group_code = request.GET.get("group")
        if group_code:
            initial["group"] = sel.get_row(FeeGroup, committee, group_code, own=False)
    form = RuleForm(request.POST or None, initial=initial, committee=committee)

    def save(data):
        values = {k: v for k, v in data.items() if k != "supersede"}
        services.fee_rule_save(
            actor=request.user,
            committee=committee,
            values=values,
            rule=rule,
            supersede=data.get("supersede", False),
        )

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Correct a fee rule") if rule else _("Add a fee rule"),
        done=_("The fee rule was saved."),
        row=rule,
    )


@login_required
def rule_add(request):
    return _rule_form(request, _configure(request))


@login_required
def rule_edit(request, code):
    committee = _configure(request)
    return _rule_form(request, committee, sel.get_row(FeeRule, committee, code))


def _end_form(request, committee, row, end):
    form = EndForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        save=lambda data: end(
            actor=request.user, committee=committee, until=data["effective_until"]
        ),
        title=_("End a row on a date"),
        done=_("The end date was saved."),
        row=row,
    )


@login_required
def rule_end(request, code):
    committee = _configure(request)
    rule = sel.get_row(FeeRule, committee, code)
    return _end_form(
        request,
        committee,
        rule,
        lambda **kw: services.fee_rule_end(rule=rule, **kw),
    )


# --- Retention shares -----------------------------------------------------------------------


def _retention_form(request, committee, row=None):
    form = RetentionForm(request.POST or None, initial=_initial(row, services.RETENTION_FIELDS))

    def save(data):
        values = {k: v for k, v in data.items() if k != "supersede"}
        services.retention_save(
            actor=request.user,
            committee=committee,
            values=values,
            row=row,
            supersede=data.get("supersede", False),
        )

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Correct retention shares") if row else _("Retention shares from a date"),
        done=_("The retention shares were saved."),
        row=row,
    )


@login_required
def retention_add(request):
    return _retention_form(request, _configure(request))


@login_required
def retention_edit(request, code):
    committee = _configure(request)
    return _retention_form(request, committee, sel.get_row(RetentionRule, committee, code))


@login_required
def retention_end(request, code):
    committee = _configure(request)
    row = sel.get_row(RetentionRule, committee, code)
    return _end_form(request, committee, row, lambda **kw: services.retention_end(row=row, **kw))


# --- Bank accounts ----------------------------------------------------------------------------


def _bank_form(request, committee, account=None):
    form = BankAccountForm(
        request.POST or None,
        initial=_initial(account, services.BANK_FIELDS),
        committee=committee,
    )
    return _form_page(
        request,
        form=form,
        save=lambda data: services.bank_account_save(
            actor=request.user, committee=committee, values=data, account=account
        ),
        title=_("Correct a bank account") if account else _("Add a bank account"),
        done=_("The bank account was saved."),
        row=account,
    )


@login_required
def bank_add(request):
    return _bank_form(request, _configure(request))


@login_required
def bank_edit(request, code):
    committee = _configure(request)
    return _bank_form(request, committee, sel.get_row(BankAccount, committee, code))


# --- Computing dues -------------------------------------------------------------------------


@login_required
@require_POST
def dues_compute(request):
    """Start computing a month's dues in the background (FEES_MANAGE over the committee)."""
    from capuyso.fees.services.dues import dues_compute_start

    committee = require_committee(request.user, manage=True)
    form = MonthPickForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("jobs:list")
        return redirect(target)
    job = dues_compute_start(
        actor=request.user, committee=committee, month=form.cleaned_data["month"]
    )
    messages.success(
        request,
        _("The dues of %(month)s are being computed: %(title)s.")
        % {"month": f"{form.cleaned_data['month']:%m/%Y}", "title": job.title},
    )
    return redirect("jobs:list")

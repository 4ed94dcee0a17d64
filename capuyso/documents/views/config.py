"""Document settings: types, the issuer directory, draft templates, registries, and the
leaders' delegations. Thin views: the selectors fetch and scope, the services validate,
write and audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.documents.forms.config import (
    DelegationForm,
    DocumentTypeForm,
    IssuerForm,
    RegistryForm,
    TemplateForm,
)
from capuyso.documents.selectors import (
    delegation_delegates_for,
    delegation_grantors_for,
    delegations_for_user,
    doc_types_for_config,
    get_delegation_for_user,
    get_doc_type_for_config,
    get_issuer_for_config,
    get_registry_for_config,
    get_template_for_config,
    issuers_for_config,
    may_configure_documents,
    may_manage_delegations,
    registries_for_config,
    templates_for_config,
)
from capuyso.documents.services import config as services


def _require_configure(request) -> None:
    if not may_configure_documents(request.user):
        raise PermissionDenied


@login_required
def index(request):
    _require_configure(request)
    context = {
        "type_count": doc_types_for_config(request.user).count(),
        "issuer_count": issuers_for_config(request.user).filter(is_active=True).count(),
        "template_count": templates_for_config(request.user).filter(is_active=True).count(),
        "registry_count": registries_for_config(request.user).count(),
    }
    return render(request, "documents/config_index.html", context)


# --- document types --------------------------------------------------------------------


@login_required
def type_list(request):
    today = timezone.localdate()
    types = list(doc_types_for_config(request.user))
    for doc_type in types:
        doc_type.in_force = not (
            (doc_type.valid_from and doc_type.valid_from > today)
            or (doc_type.valid_until and doc_type.valid_until < today)
        )
    return render(request, "documents/config_types.html", {"types": types})


def _type_form(request, doc_type=None):
    initial = {"sort_order": 0, "cells_may_issue": True}
    if doc_type is not None:
        initial = {field: getattr(doc_type, field) for field in services.TYPE_FIELDS}
    form = DocumentTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.doc_type_save(
                actor=request.user,
                committee=request.user.committee,
                doc_type=doc_type,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The type “%(name)s” was saved.") % {"name": saved})
            return redirect("documents:config_types")
    return render(request, "documents/config_type_form.html", {"form": form, "doc_type": doc_type})


@login_required
def type_add(request):
    _require_configure(request)
    return _type_form(request)


@login_required
def type_edit(request, code):
    return _type_form(request, get_doc_type_for_config(request.user, code))


# --- issuer directory ------------------------------------------------------------------


@login_required
def issuer_list(request):
    query = request.GET.get("q", "").strip()[:100]
    issuers = issuers_for_config(request.user, query=query)
    page = Paginator(issuers, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "q": query, "query_string": params.urlencode()}
    template = (
        "documents/config_issuers.html#issuer-table"
        if request.htmx
        else "documents/config_issuers.html"
    )
    return render(request, template, context)


def _issuer_form(request, issuer=None):
    initial = {"is_active": True}
    if issuer is not None:
        initial = {field: getattr(issuer, field) for field in services.ISSUER_FIELDS}
    form = IssuerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.issuer_save(
                actor=request.user,
                committee=request.user.committee,
                issuer=issuer,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("documents:config_issuers")
    return render(request, "documents/config_issuer_form.html", {"form": form, "issuer": issuer})


@login_required
def issuer_add(request):
    _require_configure(request)
    return _issuer_form(request)


@login_required
def issuer_edit(request, code):
    return _issuer_form(request, get_issuer_for_config(request.user, code))


@login_required
@require_POST
def issuer_toggle(request, code):
    """Deactivate a body (kept on old documents, no longer offered), or bring it back."""
    issuer = get_issuer_for_config(request.user, code)
    values = {field: getattr(issuer, field) for field in services.ISSUER_FIELDS}
    values["is_active"] = not issuer.is_active
    try:
        services.issuer_save(
            actor=request.user, committee=request.user.committee, issuer=issuer, **values
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if issuer.is_active:
            messages.success(request, _("“%(name)s” is active again.") % {"name": issuer.name})
        else:
            messages.success(
                request,
                _("“%(name)s” is deactivated: it is no longer offered.") % {"name": issuer.name},
            )
    return redirect("documents:config_issuers")


# --- draft templates -------------------------------------------------------------------


@login_required
def template_list(request):
    templates = templates_for_config(request.user)
    return render(request, "documents/config_templates.html", {"templates": templates})


def _template_form(request, template=None):
    initial = {"is_active": True}
    if template is not None:
        initial = {field: getattr(template, field) for field in services.TEMPLATE_FIELDS}
        initial["doc_type"] = template.doc_type.code
    form = TemplateForm(
        request.POST or None, initial=initial, doc_types=doc_types_for_config(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_save(
                actor=request.user,
                committee=request.user.committee,
                template=template,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The template “%(name)s” was saved.") % {"name": saved.name}
            )
            return redirect("documents:config_templates")
    context = {"form": form, "template": template}
    return render(request, "documents/config_template_form.html", context)


@login_required
def template_add(request):
    _require_configure(request)
    return _template_form(request)


@login_required
def template_edit(request, code):
    return _template_form(request, get_template_for_config(request.user, code))


# --- registries ------------------------------------------------------------------------


@login_required
def registry_list(request):
    registries = registries_for_config(request.user)
    return render(request, "documents/config_registries.html", {"registries": registries})


@login_required
def registry_edit(request, code):
    registry = get_registry_for_config(request.user, code)
    initial = {
        "issuer_abbreviation": registry.issuer_abbreviation,
        "numbering_scope": registry.numbering_scope,
    }
    form = RegistryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.registry_update(actor=request.user, registry=registry, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The registry settings were saved."))
            return redirect("documents:config_registries")
    context = {"form": form, "registry": registry}
    return render(request, "documents/config_registry_form.html", context)


# --- delegations -----------------------------------------------------------------------


@login_required
def delegation_list(request):
    delegations = delegations_for_user(request.user)
    today = timezone.localdate()
    current, past = [], []
    for delegation in delegations[:200]:
        active = delegation.revoked_at is None and delegation.ends_on >= today
        delegation.may_revoke = active and (
            delegation.grantor_id == request.user.pk or may_configure_documents(request.user)
        )
        delegation.in_effect = active and delegation.starts_on <= today
        (current if active else past).append(delegation)
    context = {
        "current": current,
        "past": past,
        "may_create": delegation_grantors_for(request.user).exists(),
    }
    return render(request, "documents/config_delegations.html", context)


@login_required
def delegation_create(request):
    if not may_manage_delegations(request.user):
        raise PermissionDenied
    grantors = delegation_grantors_for(request.user)
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today, "scope": "direction"}
    if grantors.filter(pk=request.user.pk).exists():
        initial["grantor"] = request.user.code
    form = DelegationForm(
        request.POST or None,
        initial=initial,
        grantors=grantors,
        delegates=delegation_delegates_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            delegation = services.delegation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(delegate)s acts for %(grantor)s from %(start)s to %(end)s.")
                % {
                    "delegate": delegation.delegate.full_name,
                    "grantor": delegation.grantor.full_name,
                    "start": delegation.starts_on.strftime("%d/%m/%Y"),
                    "end": delegation.ends_on.strftime("%d/%m/%Y"),
                },
            )
            return redirect("documents:delegations")
    return render(request, "documents/config_delegation_form.html", {"form": form})


@login_required
@require_POST
def delegation_revoke(request, code):
    delegation = get_delegation_for_user(request.user, code)
    try:
        services.delegation_revoke(actor=request.user, delegation=delegation)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The delegation to %(delegate)s was revoked.")
            % {"delegate": delegation.delegate.full_name},
        )
    return redirect("documents:delegations")


urlpatterns = [
    path("settings/", index, name="config"),
    path("settings/types/", type_list, name="config_types"),
    path("settings/types/new/", type_add, name="config_type_add"),
    path("settings/types/<uuid:code>/", type_edit, name="config_type_edit"),
    path("settings/issuers/", issuer_list, name="config_issuers"),
    path("settings/issuers/new/", issuer_add, name="config_issuer_add"),
    path("settings/issuers/<uuid:code>/", issuer_edit, name="config_issuer_edit"),
    path("settings/issuers/<uuid:code>/toggle/", issuer_toggle, name="config_issuer_toggle"),
    path("settings/templates/", template_list, name="config_templates"),
    path("settings/templates/new/", template_add, name="config_template_add"),
    path("settings/templates/<uuid:code>/", template_edit, name="config_template_edit"),
    path("settings/registries/", registry_list, name="config_registries"),
    path("settings/registries/<uuid:code>/", registry_edit, name="config_registry_edit"),
    path("delegations/", delegation_list, name="delegations"),
    path("delegations/new/", delegation_create, name="delegation_create"),
    path("delegations/<uuid:code>/revoke/", delegation_revoke, name="delegation_revoke"),
]

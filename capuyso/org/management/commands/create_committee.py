"""Onboard a new committee in one step: the committee, its organs, a first term and an admin.

    capuyso create_committee phu-cat --name "Đảng bộ xã Phú Cát" --parent ha-noi \
        --admin-unit 90150 --admin-username quantri

Everything happens in one transaction: when any step fails, nothing is created, so the
command can be corrected and run again. The administrator gets a temporary password,
printed once; they must change it and set up two-factor authentication at first sign-in.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from capuyso.accounts import services as account_services
from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.org import services as org_services
from capuyso.org.models import AdministrativeUnit, Committee, Unit


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value}
        ) from exc


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a committee with its standard organs, a first term and an administrator "
        "account. Prints the administrator's temporary password once."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name used in addresses, e.g. phu-cat.")
        parser.add_argument("--name", required=True, help="e.g. “Đảng bộ xã Phú Cát”.")
        parser.add_argument(
            "--executive-name",
            default="",
            help="As printed on documents, e.g. “ĐẢNG ỦY XÃ PHÚ CÁT” (default: name in capitals).",
        )
        parser.add_argument(
            "--level", choices=Committee.Level.values, default=Committee.Level.COMMUNE
        )
        parser.add_argument("--parent", default="", help="Slug of the superior city committee.")
        parser.add_argument(
            "--admin-unit", default="", help="Official code of the commune/ward (reference data)."
        )
        parser.add_argument("--address", default="")
        parser.add_argument("--established-on", default="", help="YYYY-MM-DD.")
        parser.add_argument(
            "--term-name", default="", help="Default: START_YEAR–START_YEAR+5, e.g. 2025–2030."
        )
        parser.add_argument("--term-start", default="", help="YYYY-MM-DD (default: today).")
        parser.add_argument("--congress", default="", help="e.g. “Đại hội lần thứ I”.")
        parser.add_argument(
            "--admin-username", default="", help="Default: quantri-SLUG (e.g. quantri-phu-cat)."
        )
        parser.add_argument("--admin-full-name", default="Quản trị viên")

    def handle(self, *args, **options):
        slug = options["slug"].strip()
        if not slug or slugify(slug) != slug:
            suggestion = slugify(slug.replace("đ", "d").replace("Đ", "D"))
            raise CommandError(
                _(
                    "“%(slug)s” is not a valid short name: use lower-case letters without "
                    "accents, digits and hyphens (for example “%(suggestion)s”)."
                )
                % {"slug": slug, "suggestion": suggestion or "phu-cat"}
            )
        if Committee.objects.filter(slug=slug).exists():
            raise CommandError(
                _("A committee with the short name “%(slug)s” already exists; nothing was changed.")
                % {"slug": slug}
            )
        parent = None
        if options["parent"]:
            parent = Committee.objects.filter(slug=options["parent"]).first()
            if parent is None:
                raise CommandError(
                    _("No committee has the short name “%(slug)s” (given as --parent).")
                    % {"slug": options["parent"]}
                )
        admin_unit = None
        if options["admin_unit"]:
            admin_unit = AdministrativeUnit.objects.filter(
                official_code=options["admin_unit"]
            ).first()
            if admin_unit is None:
                raise CommandError(
                    _("No administrative unit has the official code “%(code)s”.")
                    % {"code": options["admin_unit"]}
                )
        username = options["admin_username"].strip() or f"quantri-{slug}"
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(
                _(
                    "The user name “%(username)s” is already taken; "
                    "choose another with --admin-username."
                )
                % {"username": username}
            )
        established_on = _date(options["established_on"]) if options["established_on"] else None
        term_start = _date(options["term_start"]) if options["term_start"] else timezone.localdate()
        term_name = options["term_name"].strip() or f"{term_start.year}–{term_start.year + 5}"

        try:
            with transaction.atomic():
                committee = org_services.committee_create(
                    actor=None,
                    slug=slug,
                    name=options["name"],
                    executive_name=options["executive_name"].strip(),
                    level=options["level"],
                    parent=parent,
                    admin_unit=admin_unit,
                    address=options["address"].strip(),
                    established_on=established_on,
                )
                term = org_services.term_add(
                    actor=None,
                    committee=committee,
                    name=term_name,
                    start_date=term_start,
                    congress=options["congress"],
                )
                admin, password = account_services.user_create(
                    actor=None,
                    committee=committee,
                    username=username,
                    full_name=options["admin_full_name"],
                    must_change_password=True,
                )
                account_services.position_assign(actor=None, user=admin, role=Role.TENANT_ADMIN)
        except ValidationError as exc:
            raise CommandError(
                _("The committee was not created: %(reason)s") % {"reason": _messages(exc)}
            ) from exc

        organs = Unit.objects.filter(committee=committee).count()
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(name)s (%(slug)s), term %(term)s from %(start)s.")
                % {
                    "name": committee.name,
                    "slug": committee.slug,
                    "term": term.name,
                    "start": term.start_date.isoformat(),
                }
            )
        )
        if organs:
            self.stdout.write(_("Organs created: %(count)s.") % {"count": organs})
        self.stdout.write(_("Administrator user name: %(username)s") % {"username": admin.username})
        self.stdout.write(_("Temporary password: %(password)s") % {"password": password})
        self.stdout.write(
            _(
                "Give these to the administrator in person. At first sign-in they must choose "
                "a new password and set up two-factor authentication (an authenticator app); "
                "this password is not shown again."
            )
        )

"""Create the demo committees: Đảng bộ xã Phú Cát (~60 cells, ~2,500 members), a smaller
Đảng bộ xã Đông Xuân and the city committee above them, with one account per role.

    capuyso seed_demo            # once; running it again reports the data and does nothing
    capuyso seed_demo --reset    # delete the demo committees and create them afresh

The demo password and the shared two-factor secret are published (see capuyso/core/demo.py),
so the command refuses to run in production unless --allow-production is given.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from capuyso.core import demo
from capuyso.documents import demo as documents_demo


class Command(BaseCommand):
    help = "Create demo data (Đảng bộ xã Phú Cát and Đông Xuân) and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo committees (only those created by seed_demo) first.",
        )
        parser.add_argument("--seed", type=int, default=demo.DEMO_SEED)
        parser.add_argument(
            "--members", type=int, default=2500, help="Members of Phú Cát (default 2500)."
        )
        parser.add_argument(
            "--documents-scale",
            type=float,
            help="Share of a year's documents to add (default: in proportion to --members; "
            "0 adds none).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with CAPUYSO_ENV=production (the demo password is public).",
        )

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False) and not options["allow_production"]:
            raise CommandError(
                _(
                    "This is a production server: the demo accounts have a published password. "
                    "Use a separate demo server, or add --allow-production if you are sure."
                )
            )
        started = time.monotonic()
        existing = list(demo.demo_committees().values_list("slug", flat=True))
        if existing and options["reset"]:
            try:
                deleted = demo.demo_reset()
            except demo.DemoResetRefused as exc:
                raise CommandError(
                    _("The demo data was not deleted: %(reason)s") % {"reason": exc}
                ) from exc
            self.stdout.write(
                _("Deleted the demo committees %(slugs)s (%(rows)s rows).")
                % {"slugs": ", ".join(existing), "rows": sum(deleted.values())}
            )
        elif existing:
            foreign = [slug for slug in existing if not demo.is_demo_slug(slug)]
            if foreign:
                raise CommandError(
                    _(
                        "Committee(s) %(slugs)s already exist and were not created by seed_demo; "
                        "the demo cannot be created in this database."
                    )
                    % {"slugs": ", ".join(foreign)}
                )
            self.stdout.write(
                _(
                    "Demo data already exists (%(slugs)s); nothing was changed. "
                    "Run “capuyso seed_demo --reset” to delete it and start again."
                )
                % {"slugs": ", ".join(existing)}
            )
            self._print_accounts([])
            return
        taken = demo.demo_users_taken()
        if taken:
            raise CommandError(
                _("These user names already exist outside the demo: %(names)s.")
                % {"names": ", ".join(taken)}
            )
        scale = options["documents_scale"]
        scale = min(1.0, options["members"] / 2500) if scale is None else scale
        with transaction.atomic():
            result = demo.seed_demo(seed=options["seed"], members=options["members"])
            if scale > 0:
                documents = documents_demo.seed_documents(seed=options["seed"], scale=scale)
                self.stdout.write(documents.summary())
            from capuyso.signing import demo as signing_demo

            for line in signing_demo.seed_signing(
                list(demo.demo_committees().exclude(slug="ha-noi"))
            ):
                self.stdout.write(line)
            # The demo data is inserted in bulk, past the services that keep the search index:
            # rebuild the demo committees' index rows in the same transaction.
            from capuyso.search.index import reindex_committees

            reindex_committees(demo.demo_committees().values_list("pk", flat=True))
        elapsed = time.monotonic() - started
        for slug in ("phu-cat", "dong-xuan"):
            self.stdout.write(
                _("%(slug)s: %(cells)s cells and sub-committees, %(members)s members.")
                % {
                    "slug": slug,
                    "cells": result.cells[slug],
                    "members": result.committees[slug],
                }
            )
        self.stdout.write(self.style.SUCCESS(_("Demo data created in %(s).1f s.") % {"s": elapsed}))
        self._print_accounts(result.accounts)

    def _print_accounts(self, accounts):
        """The Markdown table the README shows: paste it as is."""
        if accounts:
            rows = [(a.username, a.role, a.committee, a.two_factor) for a in accounts]
        else:
            rows = demo.existing_demo_accounts()
        self.stdout.write("")
        self.stdout.write("| username | password | role | committee | 2FA |")
        self.stdout.write("|---|---|---|---|---|")
        for username, role, committee, two_factor in rows:
            self.stdout.write(
                f"| {username} | {demo.DEMO_PASSWORD} | {role} | {committee} | "
                f"{'TOTP' if two_factor else '–'} |"
            )
        self.stdout.write("")
        self.stdout.write(
            _(
                "Accounts marked TOTP must enter a code at sign-in. Add this secret once to an "
                "authenticator app (manual entry, time-based, 6 digits, 30 s): %(secret)s"
            )
            % {"secret": demo.DEMO_TOTP_SECRET_BASE32}
        )
        from capuyso.signing.demo import DEMO_SIGNING_PASSPHRASE

        self.stdout.write(
            _(
                "Demo signing certificates (bithu, phobithu, thuongvu and the seal held by "
                "vanthu) open with the passphrase %(passphrase)s."
            )
            % {"passphrase": DEMO_SIGNING_PASSPHRASE}
        )

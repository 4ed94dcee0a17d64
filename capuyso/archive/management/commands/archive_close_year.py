"""capuyso archive_close_year --committee SLUG [--year YYYY] | --all

The year-end close of the dossiers: every open dossier of the year (default: last year)
and of earlier years is closed and given its review year. Prints a JSON summary; a dossier
without a retention period is left open and listed under "skipped". Running it again
closes nothing twice. Run it from cron early in January with --all.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.archive.services import dossiers_close_year
from capuyso.org.models import Committee


class Command(BaseCommand):
    help = _(
        "Close the open dossiers of a year that is over (default: last year) and of earlier "
        "years, and print a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--committee", help=_("the committee's short name (slug)"))
        parser.add_argument("--all", action="store_true", help=_("every active committee"))
        parser.add_argument("--year", type=int, help=_("the year to close (default: last year)"))

    def handle(self, *args, **options):
        today = timezone.localdate()
        year = options["year"] if options["year"] is not None else today.year - 1
        if options["all"]:
            committees = list(Committee.objects.filter(is_active=True).order_by("slug"))
        elif options["committee"]:
            committees = list(Committee.objects.filter(slug=options["committee"]))
            if not committees:
                raise CommandError(_("No committee has this short name."))
        else:
            raise CommandError(_("Give --committee SLUG or --all."))
        runs = []
        for committee in committees:
            try:
                run = dossiers_close_year(committee=committee, year=year, today=today)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            runs.append(run.as_dict())
        output = runs if options["all"] else runs[0]
        self.stdout.write(json.dumps(output, ensure_ascii=False))

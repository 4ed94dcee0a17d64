import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from capuyso.meetings.services.series import MONTHS_AHEAD, series_generate


class Command(BaseCommand):
    help = _(
        "Plan the coming meetings of every regular meeting series: this month's and the next "
        "months' (run daily, e.g. from cron; running it again plans nothing twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months",
            type=int,
            default=MONTHS_AHEAD,
            help=_("How many months after the current one to plan (default 2)."),
        )

    def handle(self, *args, months, **options):
        counts = series_generate(months_ahead=max(0, min(months, 12)))
        self.stdout.write(json.dumps(counts))

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.fees import calc
from capuyso.fees.services.dues import dues_compute, dues_compute_all
from capuyso.org.models import Committee


class Command(BaseCommand):
    help = _(
        "Compute the monthly party fee dues of a committee (or of every committee with --all) "
        "and print the counts as JSON. Running it again changes nothing; cells whose month "
        "is closed are left alone. Run monthly from cron with --all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--committee", help=_("the committee's short name (slug)"))
        parser.add_argument("--all", action="store_true", help=_("every committee"))
        parser.add_argument("--month", help=_("YYYY-MM (default: the current month)"))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=_("with --all on PostgreSQL: committees computed at the same time"),
        )

    def handle(self, *args, **options):
        month = calc.month_start(timezone.localdate())
        if options["month"]:
            try:
                month = calc.parse_month(options["month"])
            except ValueError as exc:
                raise CommandError(_("The month must be written YYYY-MM.")) from exc
        if options["all"]:
            runs = dues_compute_all(month=month, workers=max(1, options["workers"]))
            self.stdout.write(json.dumps([r.as_dict() for r in runs], ensure_ascii=False))
            return
        if not options["committee"]:
            raise CommandError(_("Give --committee SLUG or --all."))
        committee = Committee.objects.filter(slug=options["committee"]).first()
        if committee is None:
            raise CommandError(_("No committee has this short name."))
        run = dues_compute(committee=committee, month=month)
        self.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False))

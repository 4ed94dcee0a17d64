"""capuyso search_reindex [--committee SLUG] [--kind KIND …]

Rebuilds the platform-wide search index from the apps' tables (after a bulk load, a demo
seed or an upgrade) and prints the rows indexed per kind as JSON.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from capuyso.org.models import Committee
from capuyso.search.index import reindex
from capuyso.search.registry import kinds


class Command(BaseCommand):
    help = _("Rebuild the search index (one committee or all, some kinds or all).")

    def add_arguments(self, parser):
        parser.add_argument("--committee", help=_("the committee's short name (default: all)"))
        parser.add_argument("--kind", action="append", choices=kinds(), help=_("only this kind"))

    def handle(self, *args, **options):
        committee_id = None
        if options["committee"]:
            committee = Committee.objects.filter(slug=options["committee"]).first()
            if committee is None:
                raise CommandError(_("No committee has this short name."))
            committee_id = committee.pk
        counts = reindex(kinds=options["kind"], committee_id=committee_id)
        self.stdout.write(json.dumps(counts, ensure_ascii=False))

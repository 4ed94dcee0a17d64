"""capuyso search "QUERY" --committee SLUG [--json] [--kind KIND] [--year YEAR] [--limit N]

Searches as the committee itself (every kind, the whole committee) and prints the top
results: a JSON list with --json (kind, code, title, score, and source_name for archive
items), else one line per hit.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from capuyso.org.models import Committee
from capuyso.search.registry import kinds
from capuyso.search.services import CommitteeViewer, search


class Command(BaseCommand):
    help = _(
        "Search a committee's documents, dossiers, meetings and members (as the committee, "
        "every kind) and print the top results."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", help=_("words, a reference or a name"))
        parser.add_argument("--committee", required=True, help=_("the committee's short name"))
        parser.add_argument("--json", action="store_true", help=_("print a JSON list"))
        parser.add_argument("--kind", action="append", choices=kinds(), help=_("only this kind"))
        parser.add_argument("--year", type=int, help=_("only this year"))
        parser.add_argument("--limit", type=int, default=20, help=_("how many results"))

    def handle(self, *args, **options):
        committee = Committee.objects.filter(slug=options["committee"]).first()
        if committee is None:
            raise CommandError(_("No committee has this short name."))
        limit = max(1, min(options["limit"], 200))
        page = search(
            user=CommitteeViewer(committee.pk),
            query=options["query"],
            kinds=options["kind"],
            year=options["year"],
            per_page=limit,
        )
        if page.errors:
            raise CommandError(
                _("Check the filters: %(fields)s") % {"fields": ", ".join(page.errors)}
            )
        if options["json"]:
            self.stdout.write(json.dumps([hit.as_dict() for hit in page.hits], ensure_ascii=False))
            return
        for hit in page.hits:
            reference = f"{hit.reference} " if hit.reference else ""
            self.stdout.write(f"{hit.score:>12.3f}  {hit.kind:<10} {reference}{hit.title}")

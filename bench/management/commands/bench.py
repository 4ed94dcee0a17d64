"""capuyso bench --scale tiny|commune|city [--only PREFIX] [--n N] [--force]

Prints one JSON object per line on stdout (progress goes to stderr). See bench/README.md.
"""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from bench import (
    archive_search,
    ballots,
    documents,
    fees_pages,
    meetings,
    members,
    members_badges,
    members_import,
    runner,
    signing,
)
from bench import dataset as datasets

BENCH_PG_DATABASE = "capuyso_bench"


class Command(BaseCommand):
    help = "Build (or reuse) a benchmark dataset and time the main pages and API calls."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(datasets.SCALES), default="commune")
        parser.add_argument("--only", default="", help="Run only scenarios with this prefix.")
        parser.add_argument("--n", type=int, default=50, help="Timed runs per scenario.")
        parser.add_argument(
            "--here",
            action="store_true",
            help="commune scale: use the configured database instead of its own SQLite file.",
        )

    def handle(self, *args, scale, only, n, here, **options):
        chosen = datasets.SCALES[scale]
        if scale == "commune" and not here:
            self._use_sqlite_file(settings.DATA_DIR / "bench-commune.sqlite3")
        elif scale == "city":
            self._use_postgres_database(BENCH_PG_DATABASE)
        dataset = datasets.ensure(chosen, log=self._log)
        if dataset.built_in_s is not None:
            self._emit({"name": f"build.{scale}", "seconds": round(dataset.built_in_s, 1)})
        if dataset.documents_build is not None:
            self._emit(dataset.documents_build)
        for line in runner.run(dataset, n=n, only=only):
            self._emit(line)
        for line in documents.measure(dataset, only=only, n=n):
            self._emit(line)
        for line in members.measure(dataset, only=only, n=n):
            self._emit(line)
        for line in members_badges.measure(dataset, only=only, n=n):
            self._emit(line)
        for line in meetings.measure(dataset, only=only, n=n):
            self._emit(line)
        for line in fees_pages.measure(dataset, only=only, n=n):
            self._emit(line)
        for line in signing.measure(dataset, only=only, n=n):  # opt-in: --only signing
            self._emit(line)
        for line in members_import.measure(dataset, only=only):  # opt-in: --only members.import
            self._emit(line)
        for line in ballots.measure(dataset, only=only):  # opt-in: --only ballots
            self._emit(line)
        # opt-in: --only archive_search; last, as it leaves the connection on its own database
        for line in archive_search.measure_in_bench(only=only, n=n):
            self._emit(line)

    def _emit(self, line: dict) -> None:
        self.stdout.write(json.dumps(line, ensure_ascii=False))

    def _log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def _switch(self, **values) -> None:
        connection = connections["default"]
        connection.close()
        connection.settings_dict.update(values)
        settings.DATABASES["default"].update(values)

    def _migrate(self) -> None:
        self._log(f"migrating {connections['default'].settings_dict['NAME']}")
        call_command("migrate", verbosity=0, interactive=False)

    def _use_sqlite_file(self, path) -> None:
        if connections["default"].vendor != "sqlite":
            raise CommandError(
                "The commune scale uses its own SQLite file; unset DATABASE_URL "
                "or pass --here to run it on the configured database."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        self._switch(NAME=path)
        self._migrate()

    def _use_postgres_database(self, name: str) -> None:
        connection = connections["default"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "The city scale needs PostgreSQL: set DATABASE_URL=postgres://… "
                f"(the benchmark creates and uses the database {name!r})."
            )
        # A DATABASE_URL that names a capuyso_bench… database is used as the benchmark's
        # own (several benchmark databases on one server); it is created from `postgres`.
        configured = str(connection.settings_dict["NAME"])
        if configured.startswith(BENCH_PG_DATABASE):
            name = configured
            self._switch(NAME="postgres")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                self._log(f"creating database {name}")
                cursor.execute(f'CREATE DATABASE "{name}"')
        self._switch(NAME=name)
        self._migrate()

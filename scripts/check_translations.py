"""Check that every committed .mo catalog matches its .po source.

Usage: python scripts/check_translations.py path/to/django.po ...

Each .po is compiled with msgfmt (as `capuyso compilemessages` does) into a temporary file, and
both catalogs are compared entry by entry, so differences in msgfmt versions (hash table
layout, header order) don't matter, only the translations do. Exit status 1 on any mismatch.
"""

import gettext
import subprocess
import sys
import tempfile
from pathlib import Path


def load(path: Path) -> dict:
    with path.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)


def main(po_files: list[str]) -> int:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in po_files:
            po = Path(name)
            mo = po.with_suffix(".mo")
            fresh = Path(tmp) / "fresh.mo"
            result = subprocess.run(  # noqa: S603
                ["msgfmt", "--check-format", "-o", str(fresh), str(po)],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                problems.append(f"{po}: msgfmt failed:\n{result.stderr}")
                continue
            if not mo.exists():
                problems.append(f"{mo}: missing (run `capuyso compilemessages --ignore=.venv`)")
                continue
            want, have = load(fresh), load(mo)
            if want != have:
                changed = sorted(
                    str(key)[:70] for key in set(want) | set(have) if want.get(key) != have.get(key)
                )
                problems.append(
                    f"{mo}: out of date with {po.name}, {len(changed)} entries differ, e.g. "
                    + "; ".join(repr(k) for k in changed[:5])
                    + " (run `capuyso compilemessages --ignore=.venv` and commit the .mo)"
                )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(po_files)} catalog(s) up to date")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

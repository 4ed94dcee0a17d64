"""Importing members from the Excel workbooks communes keep (`capuyso import_members` and
the Import tab). `importing_sheet.py` finds the table on each sheet, `importing_values.py`
reads each value, `importing_rows.py` turns a row into a person and finds its cell,
`importing_match.py` matches people with the committee's files and plans the outcome
without writing, and this module writes the plan and keeps the browser's import batches.

The report (printed by the command, kept on the ImportBatch, shown on the preview page):

    {"counts": {"created", "updated", "unchanged", "rejected", "review"},
     "rows": [{"sheet", "row", "status", "code", "reason", "name", "member"?}],
     "unknown_cells": [...], "created_cells": [...], "sheets": [...], "file", "dry_run"}

Decisions:
- Every row that is not blank gets exactly one line in "rows", created rows included (so
  the counts always add up to the rows of the sheets, and the preview can show what will
  be created). `row` is the 1-based Excel row number; `code` is for machines, `reason` is
  the Vietnamese sentence for people; `member` is the code of the matching file, if any.
- Matching, within the committee: by card number, then citizen ID. Same card or ID with a
  different name or birth date → review (conflict); a card of one member and the ID of
  another → review. Without a match, by folded name + birth date: one compatible file in
  the same cell → that file; several → review; only in another cell → review (it may be
  the same person, moved). A file is never merged with another person, and never created
  twice: a second run gives "unchanged" for every row.
- The same person listed twice in the workbook (the main list and the sheet of exempt
  members) is one person: the first row carries the result, the other says “listed
  twice” with the same status (unchanged when the first is created or updated). Two rows
  with one card number or citizen ID but different people → both review.
- An import adds and corrects; it never erases: a blank cell leaves the field as it is.
  A name that differs only in capitals or diacritics is left as it is on file. A date is
  replaced by a more precise one of the same day, month or year, never by a vaguer one.
- The cell and the status of an existing file change only through the life-cycle pages
  (transfer, recognition, exemption): a row that puts a member in another cell or status
  is “review”, and nothing of that row is written.
- Exempt members: a sheet whose name or title says “miễn sinh hoạt” lists exempt members.
  New ones are created with the status “exempt from activities” (status_since from a
  “Ngày miễn sinh hoạt” column when there is one); no Exemption record is made, since the
  sheet lacks the application and the cell's resolution, which nobody should invent.
  A file already on record that is not exempt goes to review.
- Unknown cells: rejected rows naming the cell, and "unknown_cells". With create_cells
  they are created (kind cell, cell kind guessed from the name, “Chi bộ” added in front
  when missing) and their rows imported. Whoever may import may create them this way.
- A blank ethnicity stays blank (the form's default “Kinh” is not assumed).
- Writes: one transaction. New files and their IMPORTED revisions (effective on the
  admission date) are bulk-inserted in batches; updates go through `member_update` (one
  revision of kind IMPORTED and one audit event each); the import itself is one audit
  event with the counts. A dry run plans the same and writes nothing.

Codes of the rows: created, updated, unchanged, listed_twice; rejected: no_name, bad_date,
unknown_value, excel_error, too_long, no_cell, unknown_cell, cell_dissolved, unreadable
(a row that broke the reader: logged, the rest goes on), and validate_member's (future,
admission_before_birth, full_before_admission, citizen_id, phone,
probationary_with_full_date, required…); review: card_conflict, citizen_id_conflict,
card_and_citizen_id_differ, duplicate_card_in_file, duplicate_citizen_id_in_file,
duplicate_person_in_file, ambiguous, same_name_other_cell, matched_twice, cell_differs,
status_differs, closed. Of the sheets: no_header, hidden. Of the file (ImportFileError,
nothing written): empty, not_xlsx, xls, encrypted, damaged, too_large, stored_file.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.documents.files import (
    XLSX,
    CheckedFile,
    discard,
    max_upload_bytes,
    read_verified,
    store,
)
from capuyso.documents.files import IntegrityError as StoredFileChanged
from capuyso.documents.models import StoredFile
from capuyso.members.importing_match import Plan, _validation, build_plan
from capuyso.members.importing_rows import REJECTED, STATUSES
from capuyso.members.importing_sheet import ImportFileError, read_workbook
from capuyso.members.models import ImportBatch, Member, MemberRevision
from capuyso.members.services.file import member_update, snapshot
from capuyso.org.models import Unit
from capuyso.search.index import index_objects

__all__ = ["ImportFileError", "import_members", "read_workbook"]

BATCH_SIZE = 500


def import_members(
    *,
    actor,
    committee,
    data: bytes,
    file_name: str = "",
    dry_run: bool = False,
    create_cells: bool = False,
    batch=None,
) -> dict[str, Any]:
    """Import a workbook into `committee` and return the report. Raises ImportFileError
    (nothing written) when the file is not a readable XLSX. The caller checks the actor's
    right; `batch` is the ImportBatch the audit event points to, if any."""
    workbook = read_workbook(data)
    if dry_run:
        plan = build_plan(committee=committee, workbook=workbook, create_cells=create_cells)
        return plan.report(file_name=file_name, dry_run=True)
    with transaction.atomic():
        plan = build_plan(committee=committee, workbook=workbook, create_cells=create_cells)
        execute(plan, actor=actor, committee=committee, file_name=file_name)
        report = plan.report(file_name=file_name, dry_run=False)
        audit_record(
            actor=actor,
            verb=Verb.CREATE,
            obj=batch,
            committee=committee,
            object_type="" if batch is not None else "members.import",
            object_label="" if batch is not None else file_name[:255],
            changes={
                "file": file_name,
                "counts": report["counts"],
                "created_cells": report["created_cells"],
            },
        )
    return report


def execute(plan: Plan, *, actor, committee, file_name: str) -> None:
    from capuyso.org.services import unit_create

    user = actor if getattr(actor, "is_authenticated", False) else None
    created_cells: dict[int, Unit] = {}
    for unsaved in plan.new_cells.values():
        created_cells[id(unsaved)] = unit_create(
            actor=actor,
            committee=committee,
            kind=Unit.Kind.CELL,
            cell_kind=unsaved.cell_kind,
            name=unsaved.name,
        )
    note = (_("Imported from %(file)s") % {"file": file_name})[:255] if file_name else ""
    new_members = []
    for record, member in plan.creates:
        if record.cell.pk is None:
            member.cell = created_cells[id(record.cell)]
        new_members.append(member)
    for start in range(0, len(new_members), BATCH_SIZE):
        chunk = new_members[start : start + BATCH_SIZE]
        Member.objects.bulk_create(chunk)
        index_objects(chunk)
        MemberRevision.objects.bulk_create(
            MemberRevision(
                member=member,
                effective_on=member.admission_date,
                actor=user,
                kind=MemberRevision.Kind.IMPORTED,
                snapshot=snapshot(member),
                changes={},
                note=note,
            )
            for member in chunk
        )
    for record, member in plan.creates:
        record.line.member = str(member.code)
    for record, member, data in plan.updates:
        try:
            member_update(
                actor=actor,
                member=member,
                data=data,
                kind=MemberRevision.Kind.IMPORTED,
                note=note,
                check_permission=False,
            )
        except ValidationError as exc:  # changed since it was read (only under PostgreSQL)
            record.line.set(REJECTED, *_validation(exc))
    for record in [r for r, _m in plan.creates]:
        for twin in record.twins:
            twin.member = record.line.member


# --- the browser's import batches --------------------------------------------------------


def may_import(user) -> bool:
    """An import reaches every cell: it needs MEMBERS_IMPORT over the whole committee."""
    return access_for(user).committee_wide(Action.MEMBERS_IMPORT)


def imports_for_user(user) -> QuerySet[ImportBatch]:
    if not may_import(user):
        return ImportBatch.objects.none()
    # A report holds a line per row (megabytes for a big workbook): the list reads only
    # its counts.
    return (
        ImportBatch.objects.filter(committee_id=user.committee_id)
        .select_related("file", "created_by")
        .defer("report")
        .annotate(**{f"count_{status}": KT(f"report__counts__{status}") for status in STATUSES})
    )


def get_import_for_user(user, code) -> ImportBatch:
    """One import of the user's committee (404 otherwise), for someone who may import."""
    try:
        batch = ImportBatch.objects.select_related("file", "created_by").get(
            code=code, committee_id=access_for(user).committee_id
        )
    except (ImportBatch.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not may_import(user):
        raise PermissionDenied
    return batch


def _read_upload(upload) -> tuple[str, bytes]:
    name = (getattr(upload, "name", "") or "danh-sach.xlsx").rsplit("/", 1)[-1][:200]
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    upload.seek(0)
    data = b"" if size is not None and size > limit else upload.read(limit + 1)
    if (size is not None and size > limit) or len(data) > limit:
        raise ImportFileError(
            _("%(name)s is larger than the %(limit)s MB limit.")
            % {"name": name, "limit": settings.DOCUMENT_MAX_UPLOAD_MB},
            code="too_large",
        )
    return name, data


def import_preview(*, actor, upload, create_cells: bool = False) -> ImportBatch:
    """Check the uploaded workbook, keep it, and plan its import without writing a member:
    an ImportBatch PREVIEWED with the report. Raises ImportFileError for a wrong file."""
    if not may_import(actor):
        raise PermissionDenied
    committee = actor.committee
    name, data = _read_upload(upload)
    report = import_members(
        actor=actor,
        committee=committee,
        data=data,
        file_name=name,
        dry_run=True,
        create_cells=create_cells,
    )
    checked = CheckedFile(
        name=name, data=data, content_type=XLSX, sha256=hashlib.sha256(data).hexdigest()
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            stored = store(
                committee=committee,
                checked=checked,
                purpose=StoredFile.Purpose.ATTACHMENT,
                actor=actor,
                written=written,
            )
            batch = ImportBatch.objects.create(
                committee=committee,
                file=stored,
                status=ImportBatch.Status.PREVIEWED,
                create_cells=create_cells,
                report=report,
                created_by=actor,
            )
            audit_record(
                actor=actor,
                verb=Verb.CREATE,
                obj=batch,
                changes={"file": name, "preview": report["counts"]},
            )
    except Exception:
        discard(written)
        raise
    return batch


@transaction.atomic
def import_recheck(*, actor, batch: ImportBatch, create_cells: bool) -> ImportBatch:
    """Plan a previewed import again from its stored file (e.g. now creating the cells)."""
    batch = _lock(actor, batch)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return batch
    batch.report = import_members(
        actor=actor,
        committee=batch.committee,
        data=_stored_workbook(batch),
        file_name=batch.file.original_name,
        dry_run=True,
        create_cells=create_cells,
    )
    batch.create_cells = create_cells
    batch.save(update_fields=["report", "create_cells", "updated_at"])
    return batch


@transaction.atomic
def import_apply(*, actor, batch: ImportBatch) -> ImportBatch:
    """Run the previewed import for real from the stored file. Applying twice (a double
    click, a second tab) changes nothing: the second call finds the batch applied."""
    batch = _lock(actor, batch)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return batch
    batch.report = import_members(
        actor=actor,
        committee=batch.committee,
        data=_stored_workbook(batch),
        file_name=batch.file.original_name,
        create_cells=batch.create_cells,
        batch=batch,
    )
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.save(update_fields=["report", "status", "applied_at", "updated_at"])
    return batch


@transaction.atomic
def import_discard(*, actor, batch: ImportBatch) -> ImportBatch:
    batch = _lock(actor, batch)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return batch
    batch.status = ImportBatch.Status.DISCARDED
    batch.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=batch,
        changes={"status": [ImportBatch.Status.PREVIEWED, ImportBatch.Status.DISCARDED]},
    )
    return batch


def _stored_workbook(batch: ImportBatch) -> bytes:
    try:
        return read_verified(batch.file)
    except (StoredFileChanged, OSError) as exc:
        raise ImportFileError(
            _(
                "The stored copy of the workbook is missing or was changed since it was "
                "uploaded; upload the workbook again."
            ),
            code="stored_file",
        ) from exc


def _lock(actor, batch: ImportBatch) -> ImportBatch:
    if not may_import(actor) or batch.committee_id != actor.committee_id:
        raise PermissionDenied
    return (
        ImportBatch.objects.select_for_update().select_related("file", "committee").get(pk=batch.pk)
    )

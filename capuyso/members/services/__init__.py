from capuyso.audit.services import Verb, audit_record
from capuyso.members.models import Member


def member_file_viewed(*, actor, member: Member) -> None:
    """Opening a member's file is recorded in the audit trail."""
    audit_record(actor=actor, verb=Verb.VIEW, obj=member)

"""The signing panel of the home page: documents waiting for the person's signature."""

from __future__ import annotations

from capuyso.accounts.permissions import UserAccess
from capuyso.signing.selectors import documents_to_sign


def signing_panel(user, access: UserAccess):
    if user.committee_id is None:
        return None
    waiting = documents_to_sign(user).count()
    if not waiting:
        return None
    return {"template": "signing/panels/to_sign.html", "waiting": waiting}

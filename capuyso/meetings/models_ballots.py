"""The secret ballot's records: the vote's key, the voter roll and the ballot box.

They are kept apart so that nothing links a voter to a choice (docs/voting.md):

- `BallotKey`: the vote's RSA key. The public half stays (anyone can recount); the
  private half is stored sealed and emptied when the vote closes.
- `VoterRoll`: who received a ballot token (one row per vote and member, enforced by the
  database). No time, no order: the key is a random UUID and the rows are rewritten in
  member order when the vote closes.
- `Ballot`: what went into the box: the token (a random message the voter's device drew),
  its blind signature, the choice. No voter, no time, a random UUID key, and the rows are
  rewritten in receipt order at close, so neither the time nor the order of casting is
  kept. The receipt is SHA-256 of the token.

None of these has `created_at`/`updated_at` on purpose: they are not `BaseModel`s.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BallotKey(models.Model):
    vote = models.OneToOneField(
        "meetings.Vote", on_delete=models.CASCADE, related_name="ballot_key"
    )
    public_key = models.TextField(_("public key (PEM)"))
    fingerprint = models.CharField(_("key fingerprint (SHA-256)"), max_length=64)
    bits = models.PositiveSmallIntegerField()
    sealed_private_key = models.TextField(
        blank=True, help_text=_("Encrypted; emptied when the vote closes.")
    )

    class Meta:
        verbose_name = _("secret ballot key")
        verbose_name_plural = _("secret ballot keys")

    def __str__(self) -> str:
        return self.fingerprint[:16]


class VoterRoll(models.Model):
    """A member was issued a ballot token for this vote (a blind signature)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey("meetings.Vote", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    # While the vote is open: SHA-256 of the blinded message signed, so that the same
    # request sent again (a lost answer) is answered again. Emptied at close.
    blinded_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("secret ballot voter roll entry")
        verbose_name_plural = _("secret ballot voter roll")
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="voter_roll_once"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Ballot(models.Model):
    """One cast ballot. Deliberately without voter, time or sequence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey("meetings.Vote", on_delete=models.CASCADE, related_name="+")
    receipt = models.CharField(max_length=64)  # SHA-256 of the token, hex
    token = models.CharField(max_length=64)  # the 32-byte message, hex
    signature = models.TextField()  # the unblinded RSA-PSS signature, hex
    choice = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("secret ballot")
        verbose_name_plural = _("secret ballots")
        constraints = [
            models.UniqueConstraint(fields=["vote", "receipt"], name="ballot_token_once"),
        ]

    def __str__(self) -> str:
        return self.receipt[:16]

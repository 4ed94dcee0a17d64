"""capuyso create_api_token USERNAME [--name NAME]: print a new API token (only the token)."""

from django.core.management.base import BaseCommand, CommandError

from capuyso.accounts import services
from capuyso.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print the raw token (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. Check the user name and try again.")
        if not user.is_active:
            raise CommandError(f"The account {username!r} is deactivated; reactivate it first.")
        _token, raw = services.api_token_create(actor=None, user=user, name=name)
        self.stdout.write(raw)

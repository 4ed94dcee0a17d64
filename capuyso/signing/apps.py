from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "capuyso.signing"
    label = "signing"
    verbose_name = _("Digital signatures")

    def ready(self) -> None:
        from capuyso.documents import files
        from capuyso.signing import pyhanko_speedups
        from capuyso.signing.verification import check_incoming_file

        # Every PDF an incoming document receives gets its signatures checked.
        files.register_incoming_hook(check_incoming_file)
        pyhanko_speedups.apply()  # pyHanko 0.38.x reads hex strings faster (see the module)

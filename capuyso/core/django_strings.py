"""Django's own texts that its Vietnamese catalog lacks, so makemessages keeps them in ours.

Our catalog (LOCALE_PATHS) is searched before Django's, so the translation applies
wherever Django uses the same msgid.
"""

from django.utils.translation import gettext_noop

DJANGO_TEXTS = [
    gettext_noop("- Select an option -"),
]

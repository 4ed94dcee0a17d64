from django.contrib.auth.backends import ModelBackend

from capuyso.accounts import services


class LockoutModelBackend(ModelBackend):
    """ModelBackend that counts failures and refuses a locked account (see services)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        return services.login_check(request=request, username=username, password=password)

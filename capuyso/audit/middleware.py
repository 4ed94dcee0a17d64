from django.conf import settings

from capuyso.audit.context import current_ip
from capuyso.audit.services import normalise_ip


def client_ip(request) -> str | None:
    """The client's address for the audit trail.

    X-Forwarded-For is believed only when the direct peer is one of
    CAPUYSO_TRUSTED_PROXIES; then the right-most address that is not itself a trusted
    proxy is the client (each proxy appends the address it received from).
    """
    remote = normalise_ip(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXIES
    if not remote or remote not in trusted:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            # A malformed entry from the proxy is not an address: keep the proxy's own.
            return normalise_ip(hop) or remote
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)

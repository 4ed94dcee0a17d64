from capuyso.audit.context import current_ip


def client_ip(request) -> str | None:
    # REMOTE_ADDR is set by gunicorn from the reverse proxy's X-Forwarded-For handling
    # (see README: forwarded_allow_ips); we never trust the header directly.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)

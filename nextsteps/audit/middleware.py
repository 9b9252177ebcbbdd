from .context import acting_as


class ActorMiddleware:
    """Attributes changes made while serving a request to the signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        with acting_as(user, source=f"{request.method} {request.path}"[:200]):
            return self.get_response(request)

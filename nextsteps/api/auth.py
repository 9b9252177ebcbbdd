"""Who is calling: a personal API token (`Authorization: Bearer ns_...`) or the signed-in
browser session (with Django's CSRF check). Either way the request acts with that user's own
permissions; nothing here grants anything."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from nextsteps.accounts.models import ApiToken

# Writing last_used_at on every call would turn each read into a write; a minute is precise
# enough for "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


class PersonalToken(HttpBearer):
    def authenticate(self, request, token):
        found = ApiToken.objects.authenticate(token)
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or found.last_used_at <= now - LAST_USED_RESOLUTION:
            # A conditional update (no save()) so that parallel requests write at most once
            # and the audit log is not filled with token housekeeping.
            ApiToken.objects.filter(pk=found.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        request.user = found.user
        return found.user


class BrowserSession(SessionAuth):
    """ninja's session auth, tried only when a session cookie came with the request: a caller
    with a bad token and no session gets a plain 401, not a confusing CSRF failure."""

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().__call__(request)


token_auth = PersonalToken()
session_auth = BrowserSession(csrf=True)

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in: staff, a parent or carer, a pupil or a provider's staff.

    What they may do comes from their roles (schools.Role), their guardian links and their
    pupil record, never from flags on the user.
    """

    email = models.EmailField("email address", blank=True, db_index=True)
    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


TOKEN_PREFIX = "ns_"


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, raw: str):
        """The active token for a raw bearer value, or None. Only a hash is stored."""
        if not raw or not raw.startswith(TOKEN_PREFIX):
            return None
        digest = hashlib.sha256(raw.encode()).hexdigest()
        token = (
            self.select_related("user")
            .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None or (token.expires_at and token.expires_at <= timezone.now()):
            return None
        return token


class ApiToken(models.Model):
    """A personal API token, acting with its user's own permissions. The raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token and return it with its raw value, which is not stored anywhere."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            digest=hashlib.sha256(raw.encode()).hexdigest(),
            expires_at=expires_at,
        )
        return token, raw

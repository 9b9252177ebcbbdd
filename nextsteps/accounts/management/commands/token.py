from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from nextsteps.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Personal API tokens: `token create --user EMAIL [--name NAME]`, `token list`, "
        "`token revoke PREFIX`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token and print it once")
        create.add_argument("--user", required=True, help="email or username")
        create.add_argument("--name", default="command line")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("--user", help="email or username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "create":
            user = self._user(options["user"])
            _, raw = ApiToken.issue(user, options["name"])
            self.stdout.write(raw)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("created_at")
            if options.get("user"):
                tokens = tokens.filter(user=self._user(options["user"]))
            for t in tokens:
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(
                    f"{t.prefix}\t{t.user.email or t.user.username}\t{t.name}\t{state}"
                )
        else:
            from django.utils import timezone

            n = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if not n:
                raise CommandError(f"no active token starts with {options['prefix']}")
            self.stdout.write(f"revoked {n} token(s)")

    def _user(self, ident: str) -> User:
        users = list(User.objects.filter(Q(email__iexact=ident) | Q(username__iexact=ident))[:2])
        if len(users) != 1:
            raise CommandError(f"no single user has the email or username {ident!r}")
        return users[0]

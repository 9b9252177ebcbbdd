from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by the school (staff, imports, invitations), never by public sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

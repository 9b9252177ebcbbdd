from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by the school (staff, imports, invitations), never by public sign-up."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts. Wait five minutes and try again, "
            "or ask your school office to reset your password."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

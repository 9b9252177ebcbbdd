from .policy import persona, school_ids_with


def navigation(request):
    """What the top navigation offers this user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"persona": "anonymous"}}
    return {
        "nav": {
            "persona": persona(user),
            "manage_school": bool(school_ids_with(user, "manage_school")),
            "manage_staff": bool(school_ids_with(user, "manage_staff")),
            "import": bool(school_ids_with(user, "import")),
            "export": bool(school_ids_with(user, "export")),
            "audit": bool(school_ids_with(user, "view_audit")),
            "aggregates": bool(school_ids_with(user, "view_aggregates")),
            # the inclusion manager's list (nextsteps/support/access.py: list_schools)
            "support": bool(
                school_ids_with(user, "view_sen_details") | school_ids_with(user, "manage_plans")
            ),
        }
    }

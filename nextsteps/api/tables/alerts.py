"""Who may use each alerts API route (merged into nextsteps.api.routes.ROUTES). Alerts are for
staff and placing providers, never parents, pupils or governors (nextsteps/alerts/access.py):
the list answers everyone, filtered (empty for those); one alert, for those who see its pupil
as staff or placed them; closing it for manage_alerts holders and the action plan's owner
(usually the class teacher); the rules are read by the school's staff and trust staff and
replaced, like the runs, by manage_alerts holders."""

from nextsteps.api.routes import CLASS_READERS, EVERYONE, Access, K, P, _perm
from nextsteps.schools.policy import PERMISSIONS

ROUTES: dict = {
    ("GET", f"{P}/schools/{{school_id}}/alert-rules"): Access(CLASS_READERS),
    ("PUT", f"{P}/schools/{{school_id}}/alert-rules"): _perm("manage_alerts"),
    ("GET", f"{P}/alerts"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/alerts/{{alert_id}}"): Access(CLASS_READERS | {K.PROVIDER_STAFF}),
    ("POST", f"{P}/alerts/{{alert_id}}/close"): Access(
        frozenset(PERMISSIONS["manage_alerts"]) | {K.CLASS_TEACHER}, "manage_alerts"
    ),
    ("GET", f"{P}/schools/{{school_id}}/alert-runs"): _perm("manage_alerts"),
    ("POST", f"{P}/schools/{{school_id}}/alert-runs"): _perm("manage_alerts"),
}

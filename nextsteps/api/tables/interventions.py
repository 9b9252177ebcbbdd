"""Who may use each interventions API route (merged into nextsteps.api.routes.ROUTES).

Interventions are read by the staff who see every pupil at the school (senior and trust
staff), by class staff whose pupils take part and by the providers of placed students (no
costs); they are set up and changed by "manage_interventions" holders. The provision map is for
the school's staff and trust staff; a pupil's interventions for everyone who sees the pupil."""

from nextsteps.api.routes import CLASS_READERS, EVERYONE, PUPIL_READERS, SENIOR, Access, K, P, _perm

READERS = SENIOR | {K.TRUST_STAFF, K.CLASS_TEACHER, K.TEACHING_ASSISTANT, K.PROVIDER_STAFF}

ROUTES: dict = {
    ("GET", f"{P}/interventions"): Access(EVERYONE, scoped=True),
    ("POST", f"{P}/schools/{{school_id}}/interventions"): _perm("manage_interventions"),
    ("GET", f"{P}/interventions/{{intervention_id}}"): Access(READERS),
    ("PATCH", f"{P}/interventions/{{intervention_id}}"): _perm("manage_interventions"),
    ("POST", f"{P}/interventions/{{intervention_id}}/members"): _perm("manage_interventions"),
    ("DELETE", f"{P}/interventions/{{intervention_id}}/members/{{pupil_id}}"): _perm(
        "manage_interventions"
    ),
    ("GET", f"{P}/interventions/{{intervention_id}}/impact"): Access(READERS),
    ("POST", f"{P}/interventions/{{intervention_id}}/evaluations"): _perm("manage_interventions"),
    ("GET", f"{P}/schools/{{school_id}}/provision-map"): Access(CLASS_READERS),
    ("GET", f"{P}/pupils/{{pupil_id}}/interventions"): Access(PUPIL_READERS),
}

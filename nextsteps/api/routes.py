"""Who may use each API route: the table the permission-matrix test walks.

ROUTES maps (METHOD, path as written in the OpenAPI schema) to an Access:

- roles: the role names that get a success answer for an object in their scope. Role names are
  schools.Role.Kind values plus "parent" and "pupil" (whose access comes from their links, not
  a role). Everyone else gets 403 (may see the school, lacks the permission) or 404 (outside
  their scope), with no pupil's name in the body.
- permission: the policy.PERMISSIONS name checked at the school, or None when access comes
  from the scopes alone (visible_to and friends).
- scoped: True for lists that answer every signed-in caller, filtered to what the caller may
  see (so a governor's pupil list is empty, never refused).

A route missing from this table, or listed here but gone from the schema, fails
tests/api/test_routes_table.py.
"""

from dataclasses import dataclass

from nextsteps.schools.models import Role
from nextsteps.schools.policy import PERMISSIONS

K = Role.Kind
EVERYONE = frozenset(K.values) | {"parent", "pupil"}
SENIOR = frozenset({K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER, K.INCLUSION_MANAGER})
# Those who may see a given pupil (their own class, child, self or placement; trust staff
# read the trust's schools). Governors never see pupil records.
PUPIL_READERS = SENIOR | {
    K.TRUST_STAFF,
    K.CLASS_TEACHER,
    K.TEACHING_ASSISTANT,
    K.PROVIDER_STAFF,
    "parent",
    "pupil",
}
CONTACT_READERS = PUPIL_READERS - {"parent", "pupil"}
CLASS_READERS = SENIOR | {K.TRUST_STAFF, K.CLASS_TEACHER, K.TEACHING_ASSISTANT}
STAFF = SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT}


@dataclass(frozen=True)
class Access:
    roles: frozenset
    permission: str | None = None
    scoped: bool = False


def _perm(name: str) -> Access:
    return Access(frozenset(PERMISSIONS[name]), name)


P = "/api/v1"
ROUTES: dict[tuple[str, str], Access] = {
    ("GET", f"{P}/schools"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/schools/{{school_id}}"): Access(EVERYONE),
    ("GET", f"{P}/schools/{{school_id}}/years"): _perm("view_school"),
    ("POST", f"{P}/schools/{{school_id}}/years"): _perm("manage_school"),
    ("GET", f"{P}/years/{{year_id}}/terms"): _perm("view_school"),
    ("GET", f"{P}/years/{{year_id}}/assessment-points"): _perm("view_school"),
    ("GET", f"{P}/schools/{{school_id}}/year-groups"): _perm("view_school"),
    ("PATCH", f"{P}/year-groups/{{year_group_id}}"): _perm("manage_school"),
    ("GET", f"{P}/schools/{{school_id}}/classes"): Access(
        frozenset(PERMISSIONS["view_school"]), "view_school", scoped=True
    ),
    ("POST", f"{P}/schools/{{school_id}}/classes"): _perm("manage_school"),
    ("GET", f"{P}/classes/{{class_id}}"): Access(
        SENIOR | {K.TRUST_STAFF, K.CLASS_TEACHER, K.TEACHING_ASSISTANT}
    ),
    ("POST", f"{P}/classes/{{class_id}}/staff"): _perm("manage_school"),
    ("DELETE", f"{P}/classes/{{class_id}}/staff/{{user_id}}"): _perm("manage_school"),
    ("GET", f"{P}/schools/{{school_id}}/roles"): _perm("manage_staff"),
    ("POST", f"{P}/schools/{{school_id}}/roles"): _perm("manage_staff"),
    ("DELETE", f"{P}/roles/{{role_id}}"): _perm("manage_staff"),
    ("GET", f"{P}/pupils"): Access(EVERYONE, scoped=True),
    ("POST", f"{P}/pupils"): _perm("manage_pupils"),
    ("GET", f"{P}/pupils/{{pupil_id}}"): Access(PUPIL_READERS),
    ("PATCH", f"{P}/pupils/{{pupil_id}}"): _perm("manage_pupils"),
    ("POST", f"{P}/pupils/{{pupil_id}}/characteristics"): _perm("manage_pupils"),
    ("GET", f"{P}/pupils/{{pupil_id}}/enrolments"): Access(PUPIL_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/enrolments"): _perm("manage_pupils"),
    ("POST", f"{P}/pupils/{{pupil_id}}/leave"): _perm("manage_pupils"),
    ("GET", f"{P}/schools/{{school_id}}/groups"): _perm("view_school"),
    ("POST", f"{P}/schools/{{school_id}}/groups"): _perm("manage_groups"),
    ("GET", f"{P}/groups/{{group_id}}"): _perm("view_school"),
    ("POST", f"{P}/groups/{{group_id}}/members"): _perm("manage_groups"),
    ("DELETE", f"{P}/groups/{{group_id}}/members/{{pupil_id}}"): _perm("manage_groups"),
    ("GET", f"{P}/pupils/{{pupil_id}}/guardians"): Access(CONTACT_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/guardians"): _perm("manage_pupils"),
    ("PATCH", f"{P}/guardians/{{guardian_id}}"): _perm("manage_pupils"),
    ("GET", f"{P}/providers"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/providers/{{provider_id}}"): Access(
        frozenset(PERMISSIONS["view_school"]) | {K.PROVIDER_STAFF}
    ),
    ("POST", f"{P}/providers"): _perm("manage_placements"),
    ("PATCH", f"{P}/providers/{{provider_id}}"): _perm("manage_placements"),
    ("GET", f"{P}/placements"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/placements/{{placement_id}}"): Access(SENIOR | {K.TRUST_STAFF, K.PROVIDER_STAFF}),
    ("POST", f"{P}/placements"): _perm("manage_placements"),
    ("PATCH", f"{P}/placements/{{placement_id}}"): _perm("manage_placements"),
    ("GET", f"{P}/scales"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/frameworks"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/frameworks/{{framework_id}}"): Access(EVERYONE),
    ("GET", f"{P}/subjects/{{subject_id}}/objectives"): Access(EVERYONE),
    ("GET", f"{P}/frameworks/{{framework_id}}/export"): Access(EVERYONE),
    ("POST", f"{P}/schools/{{school_id}}/frameworks/import"): _perm("manage_curriculum"),
    ("POST", f"{P}/frameworks/{{framework_id}}/objectives"): _perm("manage_curriculum"),
    ("PATCH", f"{P}/objectives/{{objective_id}}"): _perm("manage_curriculum"),
    ("POST", f"{P}/objectives/{{objective_id}}/move"): _perm("manage_curriculum"),
    ("POST", f"{P}/objectives/{{objective_id}}/retire"): _perm("manage_curriculum"),
    ("POST", f"{P}/objectives/{{objective_id}}/restore"): _perm("manage_curriculum"),
    ("GET", f"{P}/pupils/{{pupil_id}}/working-stages"): Access(PUPIL_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/working-stages"): _perm("record_judgements"),
    ("GET", f"{P}/pupils/{{pupil_id}}/judgements"): Access(PUPIL_READERS),
    ("GET", f"{P}/classes/{{class_id}}/judgements"): Access(CLASS_READERS),
    ("GET", f"{P}/pupils/{{pupil_id}}/objectives/{{objective_id}}/history"): Access(PUPIL_READERS),
    ("POST", f"{P}/judgements"): _perm("record_judgements"),
    ("POST", f"{P}/judgements/bulk"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/classes/{{class_id}}/lessons"): Access(CLASS_READERS),
    ("POST", f"{P}/classes/{{class_id}}/lessons"): _perm("record_judgements"),
    ("GET", f"{P}/lessons/{{lesson_id}}"): Access(CLASS_READERS),
    ("POST", f"{P}/lessons/{{lesson_id}}/feedback"): _perm("record_judgements"),
    ("GET", f"{P}/pupils/{{pupil_id}}/conversations"): Access(CONTACT_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/conversations"): _perm("record_judgements"),
    ("GET", f"{P}/classes/{{class_id}}/summaries"): Access(CLASS_READERS),
    ("POST", f"{P}/summaries"): _perm("record_judgements"),
    ("POST", f"{P}/assessment-points/{{point_id}}/lock"): _perm("lock_points"),
    ("DELETE", f"{P}/assessment-points/{{point_id}}/lock"): _perm("lock_points"),
    ("GET", f"{P}/pupils/{{pupil_id}}/next-steps"): Access(PUPIL_READERS),
    # Tests and results: definitions and sittings are for the school's staff; diagnostic ones
    # (and their results) only for view_diagnostics holders, and 404 to everyone else.
    ("GET", f"{P}/schools/{{school_id}}/assessment-definitions"): Access(CLASS_READERS),
    ("GET", f"{P}/assessment-definitions/{{definition_id}}"): Access(CLASS_READERS),
    ("PATCH", f"{P}/assessment-definitions/{{definition_id}}"): _perm("manage_assessments"),
    ("GET", f"{P}/assessment-definitions/{{definition_id}}/norm-tables"): Access(CLASS_READERS),
    ("POST", f"{P}/assessment-definitions/{{definition_id}}/norm-tables"): _perm(
        "manage_assessments"
    ),
    ("GET", f"{P}/norm-tables/{{table_id}}"): Access(CLASS_READERS),
    ("GET", f"{P}/schools/{{school_id}}/sittings"): Access(CLASS_READERS),
    ("POST", f"{P}/schools/{{school_id}}/sittings"): _perm("manage_assessments"),
    ("GET", f"{P}/sittings/{{sitting_id}}"): Access(CLASS_READERS),
    ("PATCH", f"{P}/sittings/{{sitting_id}}"): _perm("manage_assessments"),
    ("GET", f"{P}/sittings/{{sitting_id}}/results"): Access(CLASS_READERS),
    ("PUT", f"{P}/sittings/{{sitting_id}}/results/{{pupil_id}}"): _perm("record_results"),
    ("DELETE", f"{P}/sittings/{{sitting_id}}/results/{{pupil_id}}"): _perm("record_results"),
    ("POST", f"{P}/sittings/{{sitting_id}}/results/import"): _perm("record_results"),
    ("GET", f"{P}/pupils/{{pupil_id}}/results"): Access(PUPIL_READERS),
    # a class for its own staff; a year group or the school for senior and trust staff
    ("GET", f"{P}/comparison"): Access(CLASS_READERS),
    # Targets and tracking: read by the staff who see the pupil (parents and pupils: 403 for
    # now); targets set by set_targets holders; goals and milestones by manage_goals holders;
    # staff targets by the school's staff (their own; senior staff everyone's).
    ("GET", f"{P}/pupils/{{pupil_id}}/targets"): Access(CLASS_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/targets"): _perm("set_targets"),
    ("GET", f"{P}/year-groups/{{year_group_id}}/targets"): _perm("set_targets"),
    ("POST", f"{P}/year-groups/{{year_group_id}}/targets"): _perm("set_targets"),
    ("GET", f"{P}/classes/{{class_id}}/on-track"): Access(CLASS_READERS),
    ("GET", f"{P}/pupils/{{pupil_id}}/on-track"): Access(CLASS_READERS),
    ("GET", f"{P}/pupils/{{pupil_id}}/goals"): Access(CLASS_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/goals"): _perm("manage_goals"),
    ("PATCH", f"{P}/goals/{{goal_id}}"): _perm("manage_goals"),
    ("GET", f"{P}/pupils/{{pupil_id}}/milestones"): Access(CLASS_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/milestones"): _perm("manage_goals"),
    ("PATCH", f"{P}/milestones/{{milestone_id}}"): _perm("manage_goals"),
    ("GET", f"{P}/schools/{{school_id}}/staff-targets"): Access(STAFF),
    ("POST", f"{P}/schools/{{school_id}}/staff-targets"): Access(STAFF),
    ("PATCH", f"{P}/staff-targets/{{staff_target_id}}"): Access(STAFF),
    ("GET", f"{P}/schools/{{school_id}}/tracking-rule"): _perm("view_school"),
    # Analysis: a class for its staff, a year group or the school for senior and trust staff
    # and governors (anonymised); who needs help never for governors; the trust for its staff.
    ("GET", f"{P}/analysis/help"): Access(CLASS_READERS),
    ("GET", f"{P}/analysis/attainment"): Access(CLASS_READERS | {K.GOVERNOR}),
    ("GET", f"{P}/analysis/transition"): Access(CLASS_READERS | {K.GOVERNOR}),
    ("GET", f"{P}/analysis/progress"): Access(CLASS_READERS | {K.GOVERNOR}),
    ("GET", f"{P}/trusts/{{trust_id}}/attainment"): Access(frozenset({K.TRUST_STAFF})),
}


def _merge_tables() -> None:
    """Add the tables kept beside their features (nextsteps/api/tables/)."""
    import importlib
    import pkgutil

    from . import tables

    for info in pkgutil.iter_modules(tables.__path__):
        extra = importlib.import_module(f"{tables.__name__}.{info.name}").ROUTES
        clash = set(ROUTES) & set(extra)
        assert not clash, f"nextsteps/api/tables/{info.name}.py repeats {sorted(clash)}"
        ROUTES.update(extra)


_merge_tables()

# Routes outside the schema that need no sign-in: the schema itself and the docs page.
PUBLIC = {
    ("GET", f"{P}/openapi.json"),
    ("GET", f"{P}/docs"),
    ("GET", f"{P}/docs/assets/{{name}}"),
}

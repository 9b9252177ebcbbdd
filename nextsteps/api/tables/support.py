"""Who may use each support API route (merged into nextsteps.api.routes.ROUTES). The rules are
nextsteps.support.access's:

- The SEN register of a school: view_sen_details holders (head, deputy, inclusion manager).
- One pupil's SEN record: whoever may see their SEN details (those three, the pupil's class
  teacher, the placing provider); it is changed by manage_sen holders.
- Plans: read by the SEN-details readers, the assessment leader (who may write them) and, for
  plans shared with the family, parents and carers; written by manage_plans holders (senior
  staff and class teachers) for pupils they see. The school's plan list and the inclusion list
  are for manage_plans or view_sen_details holders, scoped to the pupils whose plans they read.
"""

from nextsteps.api.routes import SENIOR, Access, K, P, _perm

SEN_READERS = frozenset({K.HEAD, K.DEPUTY, K.INCLUSION_MANAGER, K.CLASS_TEACHER, K.PROVIDER_STAFF})
PLAN_STAFF = SENIOR | {K.CLASS_TEACHER}
PLAN_READERS = PLAN_STAFF | {K.PROVIDER_STAFF, "parent"}

ROUTES: dict = {
    ("GET", f"{P}/schools/{{school_id}}/sen-register"): _perm("view_sen_details"),
    ("GET", f"{P}/pupils/{{pupil_id}}/sen"): Access(SEN_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/sen"): _perm("manage_sen"),
    ("POST", f"{P}/pupils/{{pupil_id}}/sen-needs"): _perm("manage_sen"),
    ("PATCH", f"{P}/sen-needs/{{need_id}}"): _perm("manage_sen"),
    ("GET", f"{P}/schools/{{school_id}}/plans"): Access(PLAN_STAFF, "manage_plans"),
    ("GET", f"{P}/pupils/{{pupil_id}}/plans"): Access(PLAN_READERS),
    ("POST", f"{P}/pupils/{{pupil_id}}/plans"): _perm("manage_plans"),
    ("GET", f"{P}/plans/{{plan_id}}"): Access(PLAN_READERS),
    ("PATCH", f"{P}/plans/{{plan_id}}"): _perm("manage_plans"),
    ("POST", f"{P}/plans/{{plan_id}}/targets"): _perm("manage_plans"),
    ("PATCH", f"{P}/plan-targets/{{target_id}}"): _perm("manage_plans"),
    ("POST", f"{P}/plans/{{plan_id}}/provision"): _perm("manage_plans"),
    ("PATCH", f"{P}/provision/{{provision_id}}"): _perm("manage_plans"),
    ("POST", f"{P}/plans/{{plan_id}}/reviews"): _perm("manage_plans"),
    ("GET", f"{P}/schools/{{school_id}}/inclusion-list"): Access(PLAN_STAFF, "manage_plans"),
}

"""Page-matrix entries for the SEN register and support plans (/support/). The cast gets
Bartholomew's IEP and area of need, Amara's support plan (shared with her family) and Priya's
plan at the hub (tests/support/cast.py), so that a page shown to the wrong person would have
names to leak.

Plans are SEN details: read by the head, deputy and inclusion manager, the pupil's class
teacher, whoever may write the pupil's plans (the assessment leader too) and, once shared, the
family; never teaching assistants, trust staff, governors or the pupil."""

from tests.support.cast import add_support

SEN_READERS = {"head", "senco"}
SEN_MANAGERS = {"head", "senco"}
WRITERS = {"head", "leader", "senco", "teacher"}
LIST_USERS = WRITERS | {"other_teacher", "ap_head"}


def _s(name):
    return lambda c: [c.support[name].pk]


ROUTES = {
    "support:index": (lambda c: [], "get", LIST_USERS),
    "support:plans": (lambda c: [], "get", LIST_USERS),
    "support:register": (lambda c: [], "get", SEN_READERS | {"ap_head"}),
    "support:sen_pupil": (lambda c: [c.bartholomew.pk], "get", SEN_READERS | {"teacher"}),
    "support:pupil_summary": (lambda c: [c.amara.pk], "get", SEN_READERS | {"teacher"}),
    "support:sen_change": (lambda c: [c.bartholomew.pk], "get", SEN_MANAGERS),
    "support:need_add": (lambda c: [c.bartholomew.pk], "get", SEN_MANAGERS),
    "support:need_edit": (_s("need"), "get", SEN_MANAGERS),
    "support:pupil_plans": (lambda c: [c.amara.pk], "get", WRITERS | {"parent"}),
    "support:plan_create": (lambda c: [c.amara.pk], "get", WRITERS),
    "support:plan": (_s("amara_plan"), "get", WRITERS | {"parent"}),
    "support:plan_edit": (_s("amara_plan"), "get", WRITERS),
    "support:plan_close": (_s("amara_plan"), "get", WRITERS),
    "support:target_add": (_s("amara_plan"), "get", WRITERS),
    "support:target_edit": (_s("amara_target"), "get", WRITERS),
    "support:provision_add": (_s("amara_plan"), "get", WRITERS),
    "support:provision_edit": (_s("amara_provision"), "get", WRITERS),
    "support:review_add": (_s("amara_plan"), "get", WRITERS),
}


def extend_cast(cast) -> None:
    add_support(cast)

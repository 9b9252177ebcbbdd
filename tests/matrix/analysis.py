"""Page-matrix entries for the analysis pages (/analysis/). Class pages for the class's staff,
senior and trust staff; year group and school pages also for governors (anonymised); the
pupils behind a figure and who needs help never for governors; the trust view for trust
staff. The cast gets maths summary judgements for Amara so that a page shown to the wrong
person has a name to leak."""

from nextsteps.assessment.summary import record_summary
from tests.curriculum_cast import build_maths

CLASS = {"head", "leader", "senco", "teacher", "ta", "trust_staff"}
SCHOOL_NAMES = {"head", "leader", "senco", "trust_staff"}
SCHOOL = SCHOOL_NAMES | {"governor"}
EVERYONE_SIGNED_IN = {
    "head",
    "leader",
    "senco",
    "teacher",
    "other_teacher",
    "ta",
    "governor",
    "parent",
    "other_parent",
    "pupil",
    "provider",
    "other_provider",
    "trust_staff",
    "ap_head",
}

ROUTES = {
    "analysis:index": (lambda c: [], "get", EVERYONE_SIGNED_IN),
    "analysis:help": (lambda c: ["class", c.oak.pk], "get", CLASS),
    "analysis:attainment": (lambda c: ["school", c.school.pk], "get", SCHOOL),
    "analysis:attainment_pupils": (lambda c: ["year-group", c.y3.pk], "get", SCHOOL_NAMES),
    "analysis:progress": (lambda c: ["year-group", c.y3.pk], "get", SCHOOL),
    "analysis:transition_pupils": (lambda c: ["class", c.oak.pk], "get", CLASS),
    "analysis:trust": (lambda c: [c.trust.pk], "get", {"trust_staff"}),
    "analysis:trust_pupils": (lambda c: [c.trust.pk], "get", {"trust_staff"}),
}


def extend_cast(cast) -> None:
    if "maths" not in cast.objects:
        cast.objects["maths"] = build_maths(cast.school)
    maths = cast.maths
    point = cast.year.assessment_points.order_by("date").first()
    record_summary(
        cast.amara, maths.maths, point, maths.summary.grades.get(short_label="EXS"), by=cast.leader
    )

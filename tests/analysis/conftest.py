"""A small fixed cohort in 3 Oak with hand-counted summary judgements in maths at the year's
first assessment point (see `oak_maths`)."""

from types import SimpleNamespace

import pytest

from nextsteps.assessment.summary import record_summary
from nextsteps.schools import services
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths


@pytest.fixture
def oak_maths(cast):
    """3 Oak: Amara (girl, disadvantaged) EXS; Bartholomew (boy, SEN support, summer-born)
    WTS; Extra0 (boy) GDS; Extra1 (girl) EXS; Extra2 (boy, EAL) WTS; Extra3 (girl, EAL) not
    judged. Amara and Extra0 are in the custom group "Reading focus"."""
    maths = build_maths(cast.school)
    extra = add_pupils_to_oak(cast, 2) + add_pupils_to_oak(cast, 2, start=2, eal=True)
    point = cast.year.assessment_points.order_by("date").first()
    grades = {g.short_label: g for g in maths.summary.grades.all()}
    given = [
        (cast.amara, "EXS"),
        (cast.bartholomew, "WTS"),
        (extra[0], "GDS"),
        (extra[1], "EXS"),
        (extra[2], "WTS"),
    ]
    for pupil, label in given:
        record_summary(pupil, maths.maths, point, grades[label], by=cast.leader)
    group = services.create_group(cast.school, "Reading focus", "focus")
    services.add_to_group(group, cast.amara)
    services.add_to_group(group, extra[0])
    cast.objects.update(maths=maths)
    return SimpleNamespace(
        maths=maths, subject=maths.maths, point=point, grades=grades, extra=extra, group=group
    )

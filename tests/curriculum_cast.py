"""A small framework for tests: maths with Year 3 and Year 4 stages on a four-grade scale."""

from types import SimpleNamespace

from nextsteps.curriculum import services


def build_maths(school=None) -> SimpleNamespace:
    scale = services.create_scale(
        "test-nydsm",
        "Not yet / Developing / Secure / Mastery",
        [
            {"label": "Not yet", "short_label": "N", "colour": "#d4351c"},
            {"label": "Developing", "short_label": "D", "colour": "#f47738"},
            {"label": "Secure", "short_label": "S", "colour": "#00703c", "secure": True},
            {"label": "Mastery", "short_label": "M", "colour": "#1d70b8", "secure": True},
        ],
    )
    summary = services.create_scale(
        "test-wts",
        "WTS / EXS / GDS",
        [
            {"label": "Working towards", "short_label": "WTS", "colour": "#f47738"},
            {"label": "Expected", "short_label": "EXS", "colour": "#00703c", "secure": True},
            {"label": "Greater depth", "short_label": "GDS", "colour": "#1d70b8", "secure": True},
        ],
    )
    framework = services.create_framework(
        code="test-primary", name="Test primary", judgement_scale=scale, summary_scale=summary
    )
    y3 = services.add_stage(framework, "Y3", "Year 3", 3, year_stage=3)
    y4 = services.add_stage(framework, "Y4", "Year 4", 4, year_stage=4)
    maths = services.add_subject(framework, "maths", "Mathematics")
    number = services.add_strand(maths, "Number", 1)
    objectives = []
    for stage in (y3, y4):
        for n in range(1, 4):
            objectives.append(
                services.add_objective(
                    number,
                    stage,
                    f"M{stage.code}.{n}",
                    f"{stage.name} number objective {n}",
                    pupil_statement=f"I can do {stage.name} number step {n}",
                    key=n != 3,
                    success_criteria=[f"criterion {n}a", f"criterion {n}b"],
                )
            )
    if school is not None:
        services.adopt_framework(school, framework)
    grades = {g.short_label: g for g in scale.grades.all()}
    return SimpleNamespace(
        scale=scale,
        summary=summary,
        framework=framework,
        y3=y3,
        y4=y4,
        maths=maths,
        number=number,
        objectives=objectives,
        grades=grades,
    )

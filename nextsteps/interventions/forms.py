"""Forms for interventions and their members. Saving is the services' job; the forms check what
a person typed and carry the version they read."""

from collections import defaultdict

from django import forms

from nextsteps.curriculum.models import Objective
from nextsteps.schools.forms import DateInput

from .models import Intervention

OBJECTIVE_SET_HELP = (
    "For a measure of objectives secured: the objectives of one stage of a subject, all its "
    "strands or one of them."
)


def objective_set_value(subject_id, stage_id=None, strand_id=None) -> str:
    return f"{subject_id}-{stage_id or 0}-{strand_id or 0}"


def objective_sets(school) -> list:
    """Choices of objective sets: per subject of the school's frameworks, each stage (all its
    strands) and each strand at that stage, in ladder order."""
    rows = (
        Objective.objects.active()
        .filter(subject__framework__school_links__school=school)
        .values_list(
            "subject_id",
            "subject__name",
            "subject__framework__name",
            "stage_id",
            "stage__name",
            "stage__order",
            "strand_id",
            "strand__name",
            "strand__order",
        )
        .distinct()
    )
    subjects, stages, strands = {}, defaultdict(dict), defaultdict(dict)
    for subject, sname, fname, stage, stname, storder, strand, trname, trorder in rows:
        subjects[subject] = f"{sname} ({fname})"
        stages[subject][stage] = (storder, stname)
        strands[(subject, stage)][strand] = (trorder, trname)
    choices = [("", "Choose objectives")]
    for subject, label in sorted(subjects.items(), key=lambda item: item[1]):
        options = []
        for stage, (_, stage_name) in sorted(stages[subject].items(), key=lambda i: i[1]):
            options.append((objective_set_value(subject, stage), f"{stage_name}: every strand"))
            for strand, (_, strand_name) in sorted(
                strands[(subject, stage)].items(), key=lambda i: i[1]
            ):
                options.append(
                    (objective_set_value(subject, stage, strand), f"{stage_name}: {strand_name}")
                )
        choices.append((label, options))
    return choices


def parse_objective_set(value: str):
    try:
        subject, stage, strand = (int(part) for part in value.split("-"))
    except (AttributeError, ValueError):
        return None
    return subject, stage or None, strand or None


class InterventionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=150, label="Name", help_text='For example "Year 3 phonics".')
    kind = forms.ChoiceField(choices=Intervention.Kind.choices, label="Kind")
    description = forms.CharField(
        required=False,
        label="What happens, and why",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    staff = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Staff who run it",
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    start_date = forms.DateField(widget=DateInput, label="Starts")
    end_date = forms.DateField(
        widget=DateInput,
        required=False,
        label="Ends",
        help_text="Leave empty while it has no planned end. It is measured once it has ended.",
    )
    sessions_per_week = forms.IntegerField(min_value=1, max_value=20, label="Sessions a week")
    minutes_per_session = forms.IntegerField(min_value=5, max_value=480, label="Minutes a session")
    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        label="Cost in pounds",
        help_text="Staff time, resources and any fees. Leave empty if not known.",
    )
    cost_basis = forms.ChoiceField(
        choices=Intervention.CostBasis.choices, label="The cost is", initial="total"
    )
    measure_kind = forms.ChoiceField(
        choices=[("", "Choose a measure"), *Intervention.MeasureKind.choices],
        label="What it aims to move",
        help_text="Entry and exit are read from the judgements, tests or weekly reviews "
        "already recorded.",
    )
    objective_set = forms.ChoiceField(
        required=False, label="Objectives", help_text=OBJECTIVE_SET_HELP
    )
    definition = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Test",
        help_text="For a test measure: the score before the start and the first after the end.",
    )
    review_area = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Weekly review area",
        help_text="For a Red/Amber/Green measure: the four weeks before against the last four.",
    )

    def __init__(self, *args, staff=(), objective_sets=(), tests=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(u.pk, u.get_full_name() or str(u)) for u in staff]
        self.fields["objective_set"].choices = list(objective_sets) or [("", "None available")]
        self.fields["definition"].choices = [("", "Choose a test")] + [
            (d.pk, d.name) for d in tests
        ]
        self.fields["review_area"].choices = [("", "Choose an area")] + [
            (a.pk, a.name if a.active else f"{a.name} (retired)") for a in areas
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        needed = {
            Intervention.MeasureKind.OBJECTIVES: ("objective_set", "Choose the objectives."),
            Intervention.MeasureKind.TEST: ("definition", "Choose the test."),
            Intervention.MeasureKind.REVIEW: ("review_area", "Choose the review area."),
        }.get(data.get("measure_kind"))
        if needed and not data.get(needed[0]):
            self.add_error(needed[0], needed[1])
        return data


class AddMembersForm(forms.Form):
    pupils = forms.TypedMultipleChoiceField(
        coerce=int,
        label="Pupils to add",
        help_text="Pupils on roll at the school. Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    joined = forms.DateField(widget=DateInput, label="Joined on")

    def __init__(self, *args, pupils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].choices = [
            (
                p.pk,
                f"{p.last_name}, {p.first_name}" + (f" ({p.year_label})" if p.year_label else ""),
            )
            for p in pupils
        ]

"""Forms for milestones, goals and staff targets. Saving is the services' job; the forms check
what a person typed and carry the version they read."""

from django import forms

from nextsteps.schools.forms import DateInput

from .models import PupilGoal, Status


def _objective_choices(grouped, blank: str | None = None):
    choices = [("", blank)] if blank is not None else []
    for subject, objectives in grouped.items():
        choices.append(
            (
                subject.name,
                [(o.pk, f"{o.code} ({o.stage.name}): {o.statement[:90]}") for o in objectives],
            )
        )
    return choices


class GoalForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(choices=PupilGoal.Kind.choices, label="Kind of target")
    text = forms.CharField(
        max_length=300,
        label="Target",
        help_text='In words the pupil understands, e.g. "I can use capital letters for names".',
    )
    objective = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Linked objective"
    )
    status = forms.ChoiceField(choices=Status.choices, initial=Status.NOT_STARTED)
    review_date = forms.DateField(widget=DateInput, required=False, label="Review by")
    owned_by_pupil = forms.BooleanField(required=False, label="The pupil set this goal themselves")

    def __init__(self, *args, objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].choices = _objective_choices(objectives or {}, "None")


class MilestoneForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = forms.TypedChoiceField(coerce=int, label="Subject")
    description = forms.CharField(
        max_length=300, label="Milestone", help_text="The small step, in words."
    )
    objectives = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Objectives to secure",
        help_text="Hold Ctrl (or Cmd) to choose more than one. The milestone counts as achieved "
        "once all of them are secure.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    start_date = forms.DateField(widget=DateInput, label="From")
    due_date = forms.DateField(widget=DateInput, label="Due by")
    achieved_at = forms.DateField(
        widget=DateInput,
        required=False,
        label="Achieved on",
        help_text="Leave empty until it is achieved.",
    )

    def __init__(self, *args, subjects=(), objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [(s.pk, s.name) for s in subjects]
        self.fields["objectives"].choices = _objective_choices(objectives or {})

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "The due date cannot be before the start date.")
        return data


class StaffTargetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user = forms.TypedChoiceField(coerce=int, label="Member of staff")
    text = forms.CharField(max_length=300, label="Target")
    context = forms.CharField(
        max_length=200,
        required=False,
        label="Agreed at",
        help_text="For example the autumn pupil progress meeting.",
    )
    pupils = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Pupils it is about",
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    status = forms.ChoiceField(choices=Status.choices, initial=Status.NOT_STARTED)
    review_date = forms.DateField(widget=DateInput, required=False, label="Review by")

    def __init__(self, *args, staff=(), pupils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, u.get_full_name() or str(u)) for u in staff]
        self.fields["pupils"].choices = [(p.pk, f"{p.last_name}, {p.first_name}") for p in pupils]

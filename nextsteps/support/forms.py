"""Forms for the SEN register and support plans. Saving is the services' job; the forms check
what a person typed and carry the version they read."""

from django import forms

from nextsteps.schools.forms import DateInput

from .models import Area, Plan, PlanReview, TargetStatus


def _objective_choices(grouped):
    return [
        (
            subject.name,
            [(o.pk, f"{o.code} ({o.stage.name}): {o.statement[:90]}") for o in objectives],
        )
        for subject, objectives in grouped.items()
    ]


END_BEFORE_START = "The end cannot be before the start."
REVIEW_BEFORE_START = "The review cannot be before the start."


def _dates_in_order(form, start, end, field, message):
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[end] < data[start]:
        form.add_error(field, message)


class SenStatusForm(forms.Form):
    value = forms.ChoiceField(
        choices=[
            ("K", "SEN support (K)"),
            ("E", "EHC plan (E)"),
            ("N", "No special educational need (take off the register)"),
        ],
        label="SEN status",
    )
    start_date = forms.DateField(widget=DateInput, label="From")
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Notes",
        help_text="Sensitive: who may read it is limited and every read is logged.",
    )


class NeedForm(forms.Form):
    area = forms.ChoiceField(choices=Area.choices, label="Area of need")
    description = forms.CharField(
        max_length=300,
        required=False,
        label="Description",
        help_text="For example: dyslexic profile; speech sound disorder; anxiety.",
    )
    primary = forms.BooleanField(required=False, label="This is the primary need")
    start_date = forms.DateField(widget=DateInput, label="Identified on")


class NeedEditForm(NeedForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = forms.DateField(
        widget=DateInput,
        required=False,
        label="Ended on",
        help_text="Leave empty while the need is current.",
    )

    def clean(self):
        data = super().clean()
        _dates_in_order(
            self, "start_date", "end_date", "end_date", "The end cannot be before the start."
        )
        return data


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(choices=Plan.Kind.choices, label="Kind of plan")
    title = forms.CharField(max_length=200, label="Title")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Why the plan is in place",
        help_text="The concern and what the evidence shows. Not shown to the family.",
    )
    strengths = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Strengths and what helps",
        help_text="In the pupil's words where you can.",
    )
    owner = forms.TypedChoiceField(coerce=int, label="Owner")
    start_date = forms.DateField(widget=DateInput, label="Starts")
    review_date = forms.DateField(widget=DateInput, label="Review by")
    shared_with_family = forms.BooleanField(
        required=False,
        label="Share with the family (parents and carers see it, read-only)",
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Choose…"),
            *[(u.pk, u.get_full_name() or str(u)) for u in staff],
        ]

    def clean(self):
        data = super().clean()
        _dates_in_order(
            self,
            "start_date",
            "review_date",
            "review_date",
            "The review cannot be before the start.",
        )
        return data


class ClosePlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    closed_reason = forms.CharField(max_length=300, label="Why is the plan closing?")


class TargetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    specific = forms.CharField(
        max_length=300,
        label="Target",
        help_text='What the pupil will be able to do, e.g. "Read 20 high-frequency words".',
    )
    measure = forms.CharField(
        max_length=300,
        label="How we will know",
        help_text='The success criterion, with a number, e.g. "18 of 20 read correctly twice".',
    )
    target_date = forms.DateField(widget=DateInput, label="By")
    objectives = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Linked objectives",
        help_text="Optional. Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    status = forms.ChoiceField(choices=TargetStatus.choices, initial=TargetStatus.NOT_STARTED)

    def __init__(self, *args, objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].choices = _objective_choices(objectives or {})


class ProvisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    what = forms.CharField(max_length=300, label="What", help_text="e.g. Precision teaching")
    who = forms.CharField(max_length=150, label="Who", help_text="e.g. TA (Mrs Patel)")
    frequency = forms.CharField(
        max_length=100, required=False, label="How often", help_text="e.g. 3 × 20 minutes a week"
    )
    hours_per_week = forms.DecimalField(
        max_digits=4, decimal_places=1, required=False, min_value=0.1, label="Hours a week"
    )
    start_date = forms.DateField(widget=DateInput, required=False, label="From")
    end_date = forms.DateField(widget=DateInput, required=False, label="Until")

    def clean(self):
        data = super().clean()
        _dates_in_order(
            self, "start_date", "end_date", "end_date", "The end cannot be before the start."
        )
        return data


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(widget=DateInput, label="Held on")
    outcome = forms.ChoiceField(choices=PlanReview.Outcome.choices, label="Outcome")
    next_review_date = forms.DateField(
        widget=DateInput,
        required=False,
        label="Next review",
        help_text="Needed unless the plan closes.",
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Notes from the review",
        help_text="For staff: not shown to the family.",
    )
    pupil_views = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="The pupil's views"
    )
    family_views = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="The family's views"
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        for target in self.targets:
            self.fields[f"progress-{target.pk}"] = forms.ChoiceField(
                choices=TargetStatus.choices,
                initial=target.status,
                label=f"How did it go: {target.specific}",
            )
            self.fields[f"note-{target.pk}"] = forms.CharField(
                max_length=300, required=False, label=f"Note on: {target.specific}"
            )

    def clean(self):
        data = super().clean()
        closing = data.get("outcome") == PlanReview.Outcome.CLOSE
        if data.get("outcome") and not closing and not data.get("next_review_date"):
            self.add_error("next_review_date", "Give the date of the next review.")
        return data

    def progress(self) -> dict:
        data = self.cleaned_data
        return {
            t.pk: (data[f"progress-{t.pk}"], data.get(f"note-{t.pk}", "")) for t in self.targets
        }

from django import forms
from django.core.exceptions import ValidationError

from .models import Characteristic, Guardian, Placement, Pupil, Role
from .services import PLACEMENT_FIELDS, PUPIL_FIELDS, normalise_upn


class DateInput(forms.DateInput):
    """A native date picker. Its value must be ISO (YYYY-MM-DD) whatever the locale, or the
    browser shows the field empty and the date is lost on save."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's own name)
        super().__init__(attrs, format=format)


class PupilForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Pupil
        fields = PUPIL_FIELDS
        widgets = {"date_of_birth": DateInput}
        help_texts = {
            "upn": "13 characters, starting with the check letter. Leave empty if not known."
        }

    def clean_upn(self):
        # Checked here too so that a bad UPN is shown with any other mistakes at once.
        try:
            upn, _ = normalise_upn(self.cleaned_data.get("upn"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["upn"]) from exc
        return upn

    def _post_clean(self):
        # Model validation and saving are the service's job; see services.update_pupil.
        pass


class CharacteristicForm(forms.Form):
    kind = forms.ChoiceField(choices=Characteristic.Kind.choices, label="Characteristic")
    value = forms.ChoiceField(
        choices=[("Y", "Yes"), ("N", "No / none"), ("K", "SEN support (K)"), ("E", "EHC plan (E)")],
        label="Value",
    )
    start_date = forms.DateField(widget=DateInput, label="From")
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Details (SEN areas of need; sensitive)",
    )

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if kind == "sen" and value == "Y":
            self.add_error("value", "For SEN choose none, SEN support (K) or EHC plan (E).")
        if kind and kind != "sen" and value in {"K", "E"}:
            self.add_error("value", "K and E are SEN statuses; choose Yes or No.")
        return data


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "relationship", "email", "phone", "parental_responsibility", "priority"]


class PlacementForm(forms.ModelForm):
    class Meta:
        model = Placement
        fields = list(PLACEMENT_FIELDS)
        widgets = {
            "start_date": DateInput,
            "end_date": DateInput,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }


class YearGroupNamesForm(forms.Form):
    def __init__(self, *args, year_groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.year_groups = list(year_groups)
        for yg in self.year_groups:
            self.fields[f"yg_{yg.pk}"] = forms.CharField(
                max_length=50, initial=yg.name, label=f"Name for stage {yg.stage}"
            )

    def clean(self):
        data = super().clean()
        names = [data.get(f"yg_{yg.pk}") for yg in self.year_groups]
        if len({n for n in names if n}) != len([n for n in names if n]):
            raise ValidationError("Each year group needs a different name.")
        return data


class AcademicYearForm(forms.Form):
    start_year = forms.IntegerField(
        min_value=2000, max_value=2100, label="Year it starts (e.g. 2027)"
    )
    points = forms.CharField(
        initial="Autumn, Spring, Summer",
        label="Assessment points",
        help_text="Names separated by commas, in order.",
    )

    def clean_points(self):
        names = [p.strip() for p in self.cleaned_data["points"].split(",") if p.strip()]
        if not names:
            raise ValidationError("Give at least one assessment point.")
        if len(names) > 12:
            raise ValidationError("At most twelve assessment points a year.")
        return names


class DatedItemForm(forms.Form):
    """Rename and re-date a term or an assessment point."""

    name = forms.CharField(max_length=50)
    start_date = forms.DateField(widget=DateInput, required=False)
    end_date = forms.DateField(widget=DateInput, required=False)
    date = forms.DateField(widget=DateInput, required=False)


class StaffForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    role = forms.ChoiceField(
        choices=[(k, v) for k, v in Role.Kind.choices if k not in {"trust_staff", "provider_staff"}]
    )


class ClassForm(forms.Form):
    name = forms.CharField(max_length=100)
    year_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="Mixed ages")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = school.year_groups.all()


class ClassStaffForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Member of staff")
    kind = forms.ChoiceField(choices=[("teacher", "Class teacher"), ("ta", "Teaching assistant")])

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff

"""Pages for tests and results (/results/): the school's definitions and sittings, a
definition's bands, pass mark and norm tables, and creating and editing sittings. The class
results grid is in grid.py.

Staff of a school see its definitions and sittings; the assessment leader, head and deputy
(manage_assessments) change them. Sensitive (diagnostic) definitions, their sittings and
results exist only for holders of view_diagnostics: to everyone else they are "not found"."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from nextsteps.schools import policy
from nextsteps.schools.forms import DateInput
from nextsteps.schools.models import AssessmentPoint, Group, School, SchoolClass

from . import access, importing, services
from .models import AssessmentDefinition, Expectation, Kind, Measure, Sitting
from .scoring import plain

# Who sees and changes what is decided in access.py.


def _apply_errors(form, exc: ValidationError, aside=()) -> dict:
    """Put a ValidationError's messages beside the form's fields (or above them); messages
    under a key in `aside` are returned instead, for the page to show elsewhere."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    kept = {key: errors.pop(key) for key in aside if key in errors}
    for field, problems in errors.items():
        form.add_error(field if field in form.fields else None, problems)
    return kept


# The list -------------------------------------------------------------------------------------


def _school_for(request) -> tuple[School, list[School]]:
    schools = list(
        School.objects.filter(pk__in=access.staff_school_ids(request.user)).order_by("name")
    )
    if not schools:
        raise PermissionDenied
    wanted = request.GET.get("school")
    if not wanted:
        return schools[0], schools
    school = next((s for s in schools if str(s.pk) == wanted), None)
    if school is None:
        raise Http404
    return school, schools


@login_required
@require_GET
def index(request):
    """The school's assessment definitions, by kind, and its sittings, newest first."""
    school, schools = _school_for(request)
    definitions = (
        access.definitions_for(request.user).filter(school=school).order_by("-active", "name")
    )
    sittings = (
        access.sittings_for(request.user)
        .filter(school=school)
        .select_related("definition", "academic_year", "assessment_point")
        .order_by("-date", "name")
    )
    kinds = dict(Kind.choices)
    by_kind: dict[str, list] = {}
    for definition in definitions:
        by_kind.setdefault(kinds[definition.kind], []).append(definition)
    return render(
        request,
        "results/index.html",
        {
            "school": school,
            "schools": schools,
            "by_kind": sorted(by_kind.items()),
            "sittings": sittings,
            "can_manage": policy.can(request.user, "manage_assessments", school),
        },
    )


# A definition ---------------------------------------------------------------------------------


@login_required
@require_GET
def definition_detail(request, pk):
    definition = access.definition_for(request.user, pk)
    return render(
        request,
        "results/definition.html",
        {
            "definition": definition,
            "bands": definition.bands.order_by("order"),
            "norm_tables": definition.norm_tables.select_related("uploaded_by"),
            "sittings": definition.sittings.select_related("academic_year").order_by("-date"),
            "can_manage": policy.can(request.user, "manage_assessments", definition.school_id),
            "facts": _facts(definition),
        },
    )


def _facts(definition) -> list[tuple[str, str]]:
    facts = [
        ("Kind", definition.get_kind_display()),
        ("Read as", definition.get_measure_display()),
        ("Subject", definition.subject_code or "None"),
        ("Publisher", definition.publisher or "Not given"),
    ]
    if definition.max_mark is not None:
        facts.append(("Maximum mark", plain(definition.max_mark)))
    if definition.min_score is not None or definition.max_score is not None:
        span = f"{plain(definition.min_score or 0)} to {plain(definition.max_score or 0)}"
        facts.append(("Scores reported", span))
    if definition.measure != Measure.GRADE:
        usual = plain(definition.threshold) if definition.threshold is not None else "None"
        facts.append(("Pass mark or expected standard", usual))
    if definition.scale_id:
        facts.append(("Graded on", definition.scale.name))
    if definition.components:
        facts.append(("Parts judged separately", str(len(definition.components))))
    facts.append(("In use", "Yes" if definition.active else "No (hidden from new sittings)"))
    if definition.sensitive:
        facts.append(("Sensitive", "Yes: diagnostic, seen only by senior staff; reads logged"))
    return facts


class DefinitionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = AssessmentDefinition
        fields = [
            "name",
            "publisher",
            "description",
            "max_mark",
            "min_score",
            "max_score",
            "threshold",
            "active",
            "sensitive",
        ]
        labels = {
            "threshold": "Pass mark or expected standard",
            "active": "In use (offered for new sittings)",
            "sensitive": "Sensitive (diagnostic)",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.measure == Measure.GRADE:
            for name in ("max_mark", "min_score", "max_score", "threshold"):
                del self.fields[name]


class BandForm(forms.Form):
    label = forms.CharField(max_length=60, required=False)
    lower = forms.DecimalField(max_digits=7, decimal_places=2, required=False, label="From")
    upper = forms.DecimalField(max_digits=7, decimal_places=2, required=False, label="Up to")
    expectation = forms.ChoiceField(choices=Expectation.choices, label="Reads as")
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}), initial="#9e9e9e")


BandFormSet = forms.formset_factory(BandForm, extra=1, can_delete=True)


def _bands_from(formset) -> list[dict]:
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and (form.cleaned_data.get("label") or "").strip()
    ]


@login_required
def definition_edit(request, pk):
    """Tune a definition: its name, marks, pass mark and bands, at once."""
    definition = access.definition_for(request.user, pk, permission="manage_assessments")
    bands = [
        {k: getattr(b, k) for k in ("label", "lower", "upper", "expectation", "colour")}
        for b in definition.bands.order_by("order")
    ]
    data = request.POST if request.method == "POST" else None
    form = DefinitionForm(data, instance=definition, initial={"version": definition.version})
    formset = BandFormSet(data, initial=bands, prefix="bands")
    band_errors: list[str] = []
    if data is not None and form.is_valid() and formset.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
        try:
            with transaction.atomic():
                updated = services.update_definition(
                    definition,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **changes,
                )
                services.tune_bands(updated, _bands_from(formset), by=request.user)
        except services.StaleDefinition as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            band_errors = _apply_errors(form, exc, aside=["bands"]).get("bands", [])
        else:
            messages.success(request, f"Saved {updated.name}.")
            return redirect("results:definition", pk=definition.pk)
    status = 400 if data is not None else 200
    return render(
        request,
        "results/definition_edit.html",
        {"definition": definition, "form": form, "formset": formset, "band_errors": band_errors},
        status=status,
    )


class NormTableForm(forms.Form):
    file = forms.FileField(label="Norm table (CSV or Excel .xlsx)", help_text=services.SHAPES_HELP)
    name = forms.CharField(
        max_length=200, required=False, help_text="For example: spring test, 2nd edition"
    )
    source = forms.CharField(
        max_length=300, required=False, label="Source", help_text="Publisher, edition and page"
    )


@login_required
def norm_table_upload(request, pk):
    """Load a publisher's norm table; every problem in the file is listed by line."""
    definition = access.definition_for(request.user, pk, permission="manage_assessments")
    if definition.measure != Measure.STANDARDISED:
        raise Http404("Only standardised tests have norm tables.")
    form = NormTableForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            table = services.load_norm_table(
                definition,
                upload=form.cleaned_data["file"],
                by=request.user,
                name=form.cleaned_data["name"],
                source=form.cleaned_data["source"],
            )
        except services.NormTableError as exc:
            problems = exc.problems
        else:
            note = f"Loaded {table.name} ({table.entries.count()} scores)."
            if table.left_out:
                note += f" Cells that were not exact scores (such as <70): {table.left_out}."
            messages.success(request, note)
            return redirect("results:definition", pk=definition.pk)
    return render(
        request,
        "results/norm_table_upload.html",
        {"definition": definition, "form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


# Sittings ------------------------------------------------------------------------------------


class SittingForm(forms.ModelForm):
    class Meta:
        model = Sitting
        fields = ["date", "name", "assessment_point", "threshold", "norm_table"]
        widgets = {"date": DateInput}
        labels = {"assessment_point": "Compared at assessment point", "threshold": "Pass mark"}

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Leave empty to name it after the test and month."
        self.fields["assessment_point"].queryset = (
            AssessmentPoint.objects.filter(academic_year__school_id=definition.school_id)
            .select_related("academic_year")
            .order_by("-date")
        )
        if definition.measure == Measure.GRADE:
            del self.fields["threshold"]
        else:
            usual = plain(definition.threshold) if definition.threshold is not None else "none"
            self.fields[
                "threshold"
            ].help_text = f"Only if this sitting's differs from the usual ({usual})."
        if definition.measure == Measure.STANDARDISED:
            self.fields["norm_table"].queryset = definition.norm_tables.all()
            self.fields[
                "norm_table"
            ].help_text = "Converts raw scores by age. Without one, enter the standardised scores."
        else:
            del self.fields["norm_table"]


def _sitting_changes(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}


@login_required
def sitting_create(request, pk):
    definition = access.definition_for(request.user, pk, permission="manage_assessments")
    form = SittingForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            sitting = services.create_sitting(definition, by=request.user, **_sitting_changes(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Created {sitting.name}.")
            return redirect("results:sitting", pk=sitting.pk)
    return render(
        request,
        "results/sitting_form.html",
        {"definition": definition, "form": form, "sitting": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def sitting_edit(request, pk):
    sitting = access.sitting_for(request.user, pk, permission="manage_assessments")
    definition = sitting.definition
    form = SittingForm(request.POST or None, instance=sitting, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            # update_sitting reads the sitting afresh: the form has changed `sitting` in place
            saved = services.update_sitting(sitting, by=request.user, **_sitting_changes(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Saved {saved.name}; its results were read again.")
            return redirect("results:sitting", pk=sitting.pk)
    return render(
        request,
        "results/sitting_form.html",
        {"definition": definition, "form": form, "sitting": sitting},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def sitting_detail(request, pk):
    """A sitting and the classes and groups whose results can be entered or read."""
    sitting = access.sitting_for(request.user, pk)
    user = request.user
    classes = (
        SchoolClass.objects.visible_to(user)
        .filter(school_id=sitting.school_id, academic_year_id=sitting.academic_year_id)
        .select_related("year_group")
        .order_by("name")
    )
    groups = Group.objects.filter(school_id=sitting.school_id).order_by("name")
    return render(
        request,
        "results/sitting.html",
        {
            "sitting": sitting,
            "definition": sitting.definition,
            "classes": classes,
            "groups": groups,
            "can_manage": policy.can(user, "manage_assessments", sitting.school_id),
            "can_record": policy.can(user, "record_results", sitting.school_id),
            "can_import": access.may_import(user, sitting) and not importing.refusal(sitting),
        },
    )

"""Lesson pages (/assessment/lessons/): a class's lessons, a new lesson, the quick-capture
screen for traffic lights and comments, and a pupil's learner conversations.

Each view starts from an access helper that fetches the class or pupil *for this user*."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from nextsteps.schools import policy
from nextsteps.schools.models import Pupil, SchoolClass
from nextsteps.schools.queries import pupils_in_class

from . import lessons
from .models import Feedback, Lesson
from .next_steps import subjects_for


def class_for_recording(user, pk) -> SchoolClass:
    """A class the user can see (else 404) at a school where they may record judgements
    (else 403)."""
    school_class = get_object_or_404(
        SchoolClass.objects.visible_to(user).select_related("school", "academic_year"), pk=pk
    )
    if not policy.can(user, "record_judgements", school_class.school_id):
        raise PermissionDenied("You cannot record assessment for this class.")
    return school_class


def lesson_for_recording(user, pk) -> Lesson:
    lesson = get_object_or_404(
        Lesson.objects.filter(school_class__in=SchoolClass.objects.visible_to(user)), pk=pk
    )
    class_for_recording(user, lesson.school_class_id)
    return lesson


def pupil_for_recording(user, pk) -> Pupil:
    """A pupil the user can see (else 404), on roll at a school where they may record
    judgements (else 403)."""
    pupil = policy.get_pupil_for(user, pk)
    schools = policy.school_ids_with(user, "record_judgements")
    if not pupil.enrolments.filter(school_id__in=schools).exists():
        raise PermissionDenied("You cannot record assessment for this pupil.")
    return pupil


def _errors(exc: ValidationError) -> str:
    return " ".join(" ".join(v) for v in exc.message_dict.values())


@login_required
def lesson_list(request, pk):
    school_class = class_for_recording(request.user, pk)
    return render(
        request,
        "assessment/lesson_list.html",
        {
            "school_class": school_class,
            "lessons": school_class.lessons.prefetch_related("objectives"),
        },
    )


class LessonForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(max_length=200, required=False)
    learning_intention = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the learning intention."},
    )
    objectives = forms.ModelMultipleChoiceField(queryset=None, required=False)
    success_criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One per line. Leave empty to use the chosen objectives' success criteria.",
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = objectives


@login_required
def lesson_create(request, pk):
    school_class = class_for_recording(request.user, pk)
    available = lessons.school_objectives(school_class.school)
    form = LessonForm(
        request.POST or None, objectives=available, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "prefill" in request.POST:
            # Fill the criteria from the objectives and show the form again to edit.
            values = request.POST.copy()
            values["success_criteria"] = lessons.criteria_for(data["objectives"])
            form = LessonForm(values, objectives=available)
        else:
            try:
                lesson = lessons.create_lesson(
                    school_class,
                    date=data["date"],
                    title=data["title"],
                    learning_intention=data["learning_intention"],
                    objectives=data["objectives"],
                    success_criteria=data["success_criteria"] or None,
                    by=request.user,
                )
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, "Lesson saved.")
                return redirect("assessment:lesson_capture", lesson.pk)
    year_stage = school_class.year_group.stage if school_class.year_group else None
    chosen = {str(v) for v in (form["objectives"].value() or [])}
    groups: dict = {}
    for objective in available:
        if (
            year_stage is None
            or objective.stage.year_stage == year_stage
            or str(objective.pk) in chosen
            or request.GET.get("stages") == "all"
        ):
            groups.setdefault(f"{objective.subject} · {objective.stage}", []).append(objective)
    return render(
        request,
        "assessment/lesson_form.html",
        {"school_class": school_class, "form": form, "groups": groups, "chosen": chosen},
    )


def _capture_rows(lesson, user, only=None):
    pupils = pupils_in_class(user, lesson.school_class, on=lesson.date).order_by(
        "legal_last_name", "legal_first_name"
    )
    pupils = list(pupils)
    latest = lessons.latest_feedback(lesson)
    rows = []
    for pupil in pupils:
        if only is not None and pupil.pk != only:
            continue
        rows.append(
            {
                "pupil": pupil,
                "kinds": [
                    {
                        "kind": kind,
                        "label": label,
                        "latest": latest.get((pupil.pk, kind), {}),
                    }
                    for kind, label in Feedback.Kind.choices
                ],
                "partners": [p for p in pupils if p.pk != pupil.pk],
            }
        )
    return rows


LIGHTS = [(value, label.split(":")[0]) for value, label in Feedback.Light.choices]


@login_required
def lesson_capture(request, pk):
    lesson = lesson_for_recording(request.user, pk)
    return render(
        request,
        "assessment/lesson_capture.html",
        {"lesson": lesson, "rows": _capture_rows(lesson, request.user), "lights": LIGHTS},
    )


@login_required
@require_POST
def lesson_feedback(request, pk):
    """Save one light or comment. htmx gets the pupil's row back (with its saved state); a
    plain form post goes back to the capture screen."""
    lesson = lesson_for_recording(request.user, pk)
    visible = pupils_in_class(request.user, lesson.school_class, on=lesson.date)
    pupil_id, partner_id = request.POST.get("pupil", ""), request.POST.get("partner", "")
    pupil = visible.filter(pk=pupil_id).first() if pupil_id.isdigit() else None
    partner = visible.filter(pk=partner_id).first() if partner_id.isdigit() else None
    kind = request.POST.get("kind", "")
    error = None
    if pupil is None:
        error = "Choose a pupil in this class."
    else:
        try:
            lessons.record_feedback(
                lesson,
                pupil,
                kind=kind,
                light=request.POST.get("light", ""),
                comment=request.POST.get("comment", ""),
                partner=partner,
                by=request.user,
            )
        except ValidationError as exc:
            error = _errors(exc)
    if request.htmx and pupil is not None:
        return render(
            request,
            "assessment/lesson_capture_row.html",
            {
                "lesson": lesson,
                "row": _capture_rows(lesson, request.user, only=pupil.pk)[0],
                "lights": LIGHTS,
                "saved": error is None,
                "saved_kind": kind,
                "error": error,
            },
        )
    if request.htmx:
        return HttpResponse(error, status=400)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Saved for {pupil.name}.")
    anchor = f"#pupil-{pupil.pk}" if pupil else ""
    return redirect(reverse("assessment:lesson_capture", args=[lesson.pk]) + anchor)


class ConversationForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    subject = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any subject (general)"
    )
    went_well = forms.CharField(
        label="What went well", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_steps = forms.CharField(
        label="Next steps agreed", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects


@login_required
def conversations(request, pk):
    pupil = pupil_for_recording(request.user, pk)
    subjects = subjects_for(pupil)
    form = ConversationForm(
        request.POST or None, subjects=subjects, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            lessons.record_conversation(pupil, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, "Conversation saved.")
            return redirect("assessment:conversations", pupil.pk)
    return render(
        request,
        "assessment/lesson_conversations.html",
        {
            "pupil": pupil,
            "form": form,
            "conversations": pupil.conversations.select_related("staff", "subject"),
        },
    )


urlpatterns = [
    path("class/<int:pk>/", lesson_list, name="lesson_list"),
    path("class/<int:pk>/new/", lesson_create, name="lesson_create"),
    path("<int:pk>/", lesson_capture, name="lesson_capture"),
    path("<int:pk>/feedback/", lesson_feedback, name="lesson_feedback"),
    path("pupils/<int:pk>/conversations/", conversations, name="conversations"),
]

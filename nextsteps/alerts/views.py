"""Alerts pages (/alerts/): the alerts a person may see (those they were told about marked),
one alert with its evidence, who was told and its action plan, closing it with an outcome,
and the rules written down with the school's values, its settings and its last runs. Every
view starts with an access helper from access.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from nextsteps.lib.rules_text import rule_sections
from nextsteps.schools.services import ConflictError

from . import access, queries, rules, services
from .forms import CloseForm, RulesForm

PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def index(request):
    user = request.user
    access.require_alerts_user(user)
    schools = list(access.rule_schools(user))
    status = request.GET.get("status", "open")
    filters = queries.Filters(
        status=status if status in queries.STATUSES else "open",
        rule=request.GET.get("rule", ""),
        school_id=_int(request.GET.get("school")),
        mine=request.GET.get("mine") == "1",
    )
    alerts = queries.alerts_for(user, filters)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/index.html",
        {
            "page": page,
            "filters": filters,
            "statuses": queries.STATUSES,
            "rule_choices": list(rules.LABELS.items()),
            "schools": schools,
            "query": query.urlencode(),
            "unread": queries.alerts_for(user, queries.Filters(status="all", mine=True))
            .filter(unread=True)
            .count(),
        },
    )


def _detail_context(user, alert, form=None, conflict=None):
    shown = access.plan_shown(user, alert)
    access.record_read(user, alert, with_plan=shown)
    return {
        "alert": alert,
        "notices": queries.notices_of(alert),
        "plan": alert.plan if shown else None,
        "plan_hidden": alert.plan_id is not None and not shown,
        "can_close": alert.is_open and access.can_close(user, alert),
        "form": form or CloseForm(initial={"version": alert.version}),
        "conflict": conflict,
    }


@login_required
def detail(request, pk):
    user = request.user
    alert = access.alert_for(user, pk)
    services.mark_read(alert, user)
    return render(request, "alerts/detail.html", _detail_context(user, alert))


@login_required
@require_POST
def close(request, pk):
    user = request.user
    alert = access.alert_to_close(user, pk)
    form = CloseForm(request.POST)
    conflict = None
    if form.is_valid():
        try:
            services.close_alert(
                alert,
                outcome=form.cleaned_data["outcome"],
                expected_version=form.cleaned_data["version"],
                by=user,
            )
        except ConflictError as exc:
            conflict = exc.current
            alert = access.alert_for(user, pk)
            if alert.is_open:  # changed, not closed: the form comes back with the new version
                form = CloseForm(
                    {"version": alert.version, "outcome": form.cleaned_data["outcome"]}
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Alert closed with its outcome.")
            return redirect("alerts:detail", pk=alert.pk)
    return render(request, "alerts/detail.html", _detail_context(user, alert, form, conflict))


@login_required
def rules_page(request):
    """The rules written down, with the school's values; senior staff change them here, run
    them now, and see the last runs and the e-mail outbox."""
    user = request.user
    schools = list(access.rule_schools(user))
    if not schools:
        raise PermissionDenied("The alert rules are shown to the staff of a school.")
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == str(wanted)), schools[0])
    manage = access.can_manage(user, school)
    row = services.settings_row(school)
    values = rules.stored(row.rules or None)
    form = RulesForm(values=values, initial={"version": row.version}) if manage else None
    conflict = None
    if request.method == "POST":
        if not manage:
            raise PermissionDenied("Alert rules are set by senior staff.")
        form = RulesForm(request.POST, values=values)
        if form.is_valid():
            try:
                services.save_settings(school, form.values(), form.cleaned_data["version"], by=user)
            except ConflictError as exc:
                conflict = exc.current
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_setting_errors({k: v[0] for k, v in exc.message_dict.items()})
            else:
                messages.success(request, f"Alert rules for {school.name} saved.")
                return redirect(f"{reverse('alerts:rules')}?school={school.pk}")
    return render(
        request,
        "alerts/rules.html",
        {
            "schools": schools,
            "school": school,
            "rows": [(rule, rules.LABELS[rule], values[rule]) for rule in rules.RULES],
            "form": form,
            "conflict": conflict,
            "manage": manage,
            "sections": rule_sections(rules.__doc__),
            "status": queries.run_status(school) if manage else None,
            "unconfirmed": queries.unconfirmed(school) if manage else [],
        },
    )


@login_required
@require_POST
def run_now(request, pk):
    from .tasks import run_alerts

    user = request.user
    school = access.school_to_manage(user, pk)
    run_alerts.enqueue(school_id=school.pk, trigger="page")
    messages.success(
        request,
        f"The alert rules for {school.name} will be run in the background within a minute; "
        "reload this page to see the run below.",
    )
    return redirect(f"{reverse('alerts:rules')}?school={school.pk}")

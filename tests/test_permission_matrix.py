"""Every page, every role: who is let in, who is refused, and that a refusal (or an allowed
page) never shows a pupil the user may not see.

The test walks the URL configuration: a route that nobody added to ROUTES fails the test, so
new pages cannot skip their outsider check. The JSON API has its own matrix built from the
OpenAPI schema (tests/api/).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from nextsteps.assessment.lessons import create_lesson
from nextsteps.curriculum.models import Framework, Objective
from nextsteps.curriculum.services import copy_for_school
from nextsteps.schools import services
from nextsteps.schools.models import Pupil
from tests.cast import ROLES
from tests.curriculum_cast import build_maths
from tests.matrix import extend_cast, extra_routes

pytestmark = pytest.mark.django_db

EVERYONE = set(ROLES)
OAK_STAFF = {"head", "leader", "senco", "teacher", "ta", "trust_staff"}
SCHOOL_VIEWERS = EVERYONE - {"parent", "other_parent", "pupil", "provider", "other_provider"}
OAKFIELD_VIEWERS = SCHOOL_VIEWERS - {"ap_head"}
MANAGE_PUPILS = {"head", "leader", "senco"}
RECORD_OAK = {"head", "leader", "senco", "teacher", "ta"}
CURRICULUM_READERS = {"head", "leader", "senco", "teacher", "other_teacher", "ta"}
STAFF = OAKFIELD_VIEWERS - {"governor"} | {"ap_head"}
RECORDERS = {"head", "leader", "senco", "teacher", "other_teacher", "ta", "ap_head"}

# name: (how to build the URL's args from the cast, HTTP method, roles let in)
# "Let in" means a 2xx, or a redirect that is not to the sign-in page.
ROUTES = {
    "home": (lambda c: [], "get", EVERYONE),
    "governor_summary": (
        lambda c: [],
        "get",
        {"head", "leader", "senco", "governor", "trust_staff", "ap_head"},
    ),
    "class_list": (lambda c: [], "get", SCHOOL_VIEWERS),
    "class_create": (lambda c: [], "get", {"head", "leader", "ap_head"}),
    "class_detail": (lambda c: [c.oak.pk], "get", OAK_STAFF),
    "class_staff": (lambda c: [c.oak.pk], "post", {"head", "leader"}),
    "pupil_list": (lambda c: [], "get", EVERYONE),
    "pupil_create": (lambda c: [], "get", MANAGE_PUPILS | {"ap_head"}),
    "pupil_detail": (lambda c: [c.amara.pk], "get", OAK_STAFF | {"parent", "pupil"}),
    "pupil_edit": (lambda c: [c.amara.pk], "get", MANAGE_PUPILS),
    "pupil_characteristic": (lambda c: [c.amara.pk], "post", MANAGE_PUPILS),
    "guardian_create": (lambda c: [c.amara.pk], "get", MANAGE_PUPILS),
    "guardian_edit": (lambda c: [c.amara.pk, c.amara.guardians.get().pk], "get", MANAGE_PUPILS),
    "placement_create": (lambda c: [c.priya.pk], "get", {"ap_head"}),
    "placement_edit": (lambda c: [c.priya.pk, c.priya.placements.get().pk], "get", {"ap_head"}),
    "school_settings": (lambda c: [], "get", {"head", "leader", "ap_head"}),
    "staff_list": (lambda c: [], "get", {"head", "ap_head"}),
    "group_list": (lambda c: [], "get", SCHOOL_VIEWERS),
    "group_detail": (lambda c: [c.group.pk], "get", OAKFIELD_VIEWERS),
    "audit:log": (lambda c: [], "get", {"head", "ap_head"}),
    "portal:me": (lambda c: [], "get", {"pupil", "parent", "other_parent"}),
    "portal:child": (lambda c: [c.amara.pk], "get", OAK_STAFF | {"parent", "pupil"}),
    "curriculum:framework_list": (lambda c: [], "get", CURRICULUM_READERS | {"ap_head"}),
    "curriculum:framework_detail": (lambda c: [c.framework.pk], "get", CURRICULUM_READERS),
    "curriculum:export": (lambda c: [c.framework.pk, "csv"], "get", CURRICULUM_READERS),
    "curriculum:adopt": (lambda c: [c.framework.pk], "post", {"head", "leader"}),
    "curriculum:framework_edit": (lambda c: [c.framework.pk], "get", {"head", "leader"}),
    "curriculum:framework_copy": (lambda c: [c.framework.pk], "post", {"head", "leader"}),
    "curriculum:objective_add": (lambda c: [c.framework.pk], "get", {"head", "leader"}),
    "curriculum:objective_edit": (lambda c: [c.objective.pk], "get", {"head", "leader"}),
    "curriculum:objective_move": (lambda c: [c.objective.pk], "post", {"head", "leader"}),
    "curriculum:objective_retire": (lambda c: [c.objective.pk], "post", {"head", "leader"}),
    "curriculum:objective_restore": (lambda c: [c.objective.pk], "post", {"head", "leader"}),
    "curriculum:import": (lambda c: [], "get", {"head", "leader", "ap_head"}),
    "curriculum:import_confirm": (lambda c: [], "post", {"head", "leader", "ap_head"}),
    "assessment:markbook": (lambda c: [], "get", STAFF),
    "assessment:markbook_class": (lambda c: [c.oak.pk], "get", OAK_STAFF),
    "assessment:markbook_group": (lambda c: [c.group.pk], "get", OAKFIELD_VIEWERS - {"governor"}),
    "assessment:markbook_save": (lambda c: [], "post", RECORDERS),
    "assessment:markbook_history": (
        lambda c: [c.amara.pk, c.maths.objectives[0].pk],
        "get",
        OAK_STAFF,
    ),
    "assessment:markbook_working_stage": (
        lambda c: [c.amara.pk, c.maths.maths.pk],
        "get",
        RECORD_OAK,
    ),
    "assessment:lesson_list": (lambda c: [c.oak.pk], "get", RECORD_OAK),
    "assessment:lesson_create": (lambda c: [c.oak.pk], "get", RECORD_OAK),
    "assessment:lesson_capture": (lambda c: [c.lesson.pk], "get", RECORD_OAK),
    "assessment:lesson_feedback": (lambda c: [c.lesson.pk], "post", RECORD_OAK),
    "assessment:conversations": (lambda c: [c.amara.pk], "get", RECORD_OAK),
    "assessment:summary": (lambda c: [c.oak.pk], "get", RECORD_OAK),
    "assessment:summary_record": (lambda c: [c.oak.pk], "post", RECORD_OAK),
    "assessment:summary_accept": (lambda c: [c.oak.pk], "post", RECORD_OAK),
    "assessment:point_lock": (lambda c: [c.point.pk], "post", {"head", "leader"}),
    "assessment:pupil_next_steps": (lambda c: [c.amara.pk], "get", OAK_STAFF),
    "interop:index": (lambda c: [], "get", {"head", "leader", "senco", "ap_head"}),
    "interop:upload": (lambda c: [], "get", {"head", "leader", "ap_head"}),
    "interop:mapping": (lambda c: [c.job.pk], "get", {"head", "leader"}),
    "interop:job": (lambda c: [c.job.pk], "get", {"head", "leader"}),
    "interop:progress": (lambda c: [c.job.pk], "get", {"head", "leader"}),
    "interop:recheck": (lambda c: [c.job.pk], "post", {"head", "leader"}),
    "interop:commit": (lambda c: [c.job.pk], "post", {"head", "leader"}),
    "interop:report": (lambda c: [c.job.pk], "get", {"head", "leader"}),
    "interop:export": (lambda c: ["pupils", "csv"], "get", {"head", "leader", "senco", "ap_head"}),
    "interop:rollover": (lambda c: [], "get", {"head", "leader", "ap_head"}),
}
_extra = extra_routes()
assert not set(_extra) & set(ROUTES), f"listed twice: {sorted(set(_extra) & set(ROUTES))}"
ROUTES.update(_extra)

# Routes that belong to libraries, with their own tests upstream, or that carry no pupil data.
LIBRARY_NAMESPACES = {"admin", "api"}
LIBRARY_PREFIXES = ("account_", "mfa_", "django_htmx")


def route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in LIBRARY_NAMESPACES:
                continue
            yield from route_names(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            if entry.name.startswith(LIBRARY_PREFIXES):
                continue
            yield f"{namespace}{entry.name}"


# Routes that show no data and need no sign-in.
PUBLIC = {"healthz"}


def test_public_routes_answer_anyone_and_show_nothing(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok"


def test_every_page_route_is_in_the_matrix():
    missing = sorted(set(route_names()) - set(ROUTES) - PUBLIC)
    assert not missing, f"add these routes to ROUTES with the roles allowed: {missing}"


@pytest.fixture
def matrix_cast(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nextsteps.interop.services import start_import

    upload = SimpleUploadedFile("pupils.csv", b"Forename,Surname\nAnna,Bell\n")
    cast.objects["job"] = start_import(cast.head, cast.school, "pupils", upload)
    cast.objects["group"] = services.create_group(cast.school, "Reading focus", "focus")
    cast.objects["maths"] = build_maths(cast.school)
    cast.objects["lesson"] = create_lesson(
        cast.oak, date=timezone.localdate(), learning_intention="To add", by=cast.teacher
    )
    cast.objects["point"] = cast.year.assessment_points.order_by("date").first()
    shipped = Framework.objects.get(code="england-primary", version=1)
    cast.objects["framework"] = copy_for_school(shipped, cast.school, by=cast.head)
    cast.objects["objective"] = Objective.objects.get(
        subject__framework=cast.framework, code="M3.2"
    )
    for pupil in Pupil.objects.all():
        if pupil.enrolments.filter(school=cast.school).exists():
            services.add_to_group(cast.group, pupil)
    extend_cast(cast)
    return cast


def surnames_hidden_from(user):
    visible = set(Pupil.objects.visible_to(user).values_list("pk", flat=True))
    return [p.legal_last_name for p in Pupil.objects.all() if p.pk not in visible]


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_lets_in_exactly_the_roles_allowed(name, matrix_cast, client):
    build, method, allowed = ROUTES[name]
    url = reverse(name, args=build(matrix_cast))
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url, name
    for role, user in matrix_cast.users.items():
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        response = getattr(client, method)(url)
        let_in = response.status_code < 300 or (
            response.status_code == 302 and "/accounts/login/" not in response.url
        )
        expected = role in allowed
        assert let_in == expected, (
            f"{name}: {role} got {response.status_code}, expected {'in' if expected else 'refused'}"
        )
        if not expected:
            assert response.status_code in (403, 404), f"{name}: {role} got {response.status_code}"
        body = response.content.decode(errors="replace")
        for surname in surnames_hidden_from(user):
            assert surname not in body, f"{name} shows {surname} to {role}"
        client.logout()

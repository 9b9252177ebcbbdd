"""Framework pages: who is let in, the editor's actions, retiring keeps judgements, and the
import page's check-then-confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nextsteps.assessment.models import Judgement
from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum import services
from nextsteps.curriculum.models import Framework, Objective, SchoolFramework
from nextsteps.schools.models import Pupil
from tests.cast import ROLES

pytestmark = pytest.mark.django_db

READERS = {"head", "leader", "senco", "teacher", "other_teacher", "ta", "ap_head"}
MANAGERS = {"head", "leader", "ap_head"}
OAK_MANAGERS = {"head", "leader"}


@pytest.fixture
def own(cast):
    """Oakfield's own copy of the England framework, and one of its objectives."""
    shipped = Framework.objects.get(code="england-primary", version=1)
    cast.objects["framework"] = services.copy_for_school(shipped, cast.school, by=cast.leader)
    cast.objects["objective"] = Objective.objects.get(
        subject__framework=cast.framework, code="M3.2"
    )
    return cast


# The ROUTES lines offered to tests/test_permission_matrix.py, checked here the same way.
ROUTES = {
    "curriculum:framework_list": (lambda c: [], "get", READERS),
    "curriculum:framework_detail": (lambda c: [c.framework.pk], "get", READERS - {"ap_head"}),
    "curriculum:adopt": (lambda c: [c.framework.pk], "post", OAK_MANAGERS),
    "curriculum:framework_edit": (lambda c: [c.framework.pk], "get", OAK_MANAGERS),
    "curriculum:framework_copy": (lambda c: [c.framework.pk], "post", OAK_MANAGERS),
    "curriculum:objective_add": (lambda c: [c.framework.pk], "get", OAK_MANAGERS),
    "curriculum:export": (lambda c: [c.framework.pk, "csv"], "get", READERS - {"ap_head"}),
    "curriculum:objective_edit": (lambda c: [c.objective.pk], "get", OAK_MANAGERS),
    "curriculum:objective_move": (lambda c: [c.objective.pk], "post", OAK_MANAGERS),
    "curriculum:objective_retire": (lambda c: [c.objective.pk], "post", OAK_MANAGERS),
    "curriculum:objective_restore": (lambda c: [c.objective.pk], "post", OAK_MANAGERS),
    "curriculum:import": (lambda c: [], "get", MANAGERS),
    "curriculum:import_confirm": (lambda c: [], "post", MANAGERS),
}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_lets_in_exactly_the_roles_allowed(name, own, client):
    build, method, allowed = ROUTES[name]
    url = reverse(name, args=build(own))
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    for role in ROLES:
        client.force_login(own.users[role], backend="django.contrib.auth.backends.ModelBackend")
        response = getattr(client, method)(url)
        let_in = response.status_code < 300 or (
            response.status_code == 302 and "/accounts/login/" not in response.url
        )
        assert let_in == (role in allowed), f"{name}: {role} got {response.status_code}"
        if role not in allowed:
            assert response.status_code in (403, 404), f"{name}: {role} {response.status_code}"
        body = response.content.decode(errors="replace")
        visible = set(Pupil.objects.visible_to(own.users[role]).values_list("pk", flat=True))
        for pupil in Pupil.objects.exclude(pk__in=visible):
            assert pupil.legal_last_name not in body
        client.logout()


def test_the_list_shows_used_and_available_frameworks_and_adopting_one(own, login):
    client = login(own.leader)
    page = client.get(reverse("curriculum:framework_list")).content.decode()
    assert "England-style primary (reading, writing, maths) (school copy)" in page
    assert "Scottish-style literacy and numeracy" in page
    scotland = Framework.objects.get(code="scotland-cfe")
    response = client.post(reverse("curriculum:adopt", args=[scotland.pk]))
    assert response.status_code == 302
    assert SchoolFramework.objects.filter(school=own.school, framework=scotland).exists()


def test_a_teacher_reads_the_ladder_but_cannot_edit(own, login):
    client = login(own.teacher)
    page = client.get(reverse("curriculum:framework_detail", args=[own.framework.pk]))
    assert page.status_code == 200
    assert "I can add and subtract with columns." in page.content.decode()
    assert "Edit objectives" not in page.content.decode()
    edit = reverse("curriculum:objective_edit", args=[own.objective.pk])
    assert client.post(edit, {"statement": "Hijacked"}).status_code == 403
    own.objective.refresh_from_db()
    assert own.objective.statement != "Hijacked"


def test_a_parent_is_refused(own, login):
    client = login(own.parent)
    assert client.get(reverse("curriculum:framework_list")).status_code == 403
    url = reverse("curriculum:objective_retire", args=[own.objective.pk])
    assert client.post(url).status_code in (403, 404)
    own.objective.refresh_from_db()
    assert own.objective.retired_at is None


def test_shipped_frameworks_are_read_only_and_copied_to_edit(cast, login):
    shipped = Framework.objects.get(code="england-primary", version=1)
    client = login(cast.leader)
    page = client.get(reverse("curriculum:framework_edit", args=[shipped.pk])).content.decode()
    assert "cannot be changed here" in page and "Move up" not in page
    objective = shipped.subjects.get(code="maths").objectives.get(code="M3.2")
    url = reverse("curriculum:objective_edit", args=[objective.pk])
    assert client.post(url, {"statement": "Changed"}).status_code == 403
    response = client.post(reverse("curriculum:framework_copy", args=[shipped.pk]))
    copy = Framework.objects.get(school=cast.school)
    assert response.url == reverse("curriculum:framework_edit", args=[copy.pk])
    assert copy.code == f"england-primary-school{cast.school.pk}"
    assert Objective.objects.filter(subject__framework=copy).count() == (
        Objective.objects.filter(subject__framework=shipped).count()
    )


def test_editing_adding_and_moving_objectives(own, login):
    client = login(own.leader)
    url = reverse("curriculum:objective_edit", args=[own.objective.pk])
    response = client.post(url, {"statement": "", "pupil_statement": "x"})
    assert response.status_code == 400
    assert "Write the objective in teacher wording." in response.content.decode()
    client.post(
        url,
        {
            "statement": "Adds and subtracts with columns",
            "pupil_statement": "I can use columns",
            "criteria": "Lines up digits\n\nExchanges",
        },
    )
    own.objective.refresh_from_db()
    assert own.objective.statement == "Adds and subtracts with columns"
    assert not own.objective.key
    assert [c.text for c in own.objective.success_criteria.all()] == [
        "Lines up digits",
        "Exchanges",
    ]

    maths = own.objective.subject
    y3 = own.objective.stage
    strand = maths.strands.get(name="Calculation")
    add = reverse("curriculum:objective_add", args=[own.framework.pk])
    refused = client.post(add, {"strand": strand.pk, "stage": y3.pk, "code": "M3.2"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "already has an objective with the code M3.2" in text
    assert "Write the objective in teacher wording." in text
    client.post(
        add,
        {"strand": strand.pk, "stage": y3.pk, "code": "M3.9", "statement": "Uses a bar model"},
    )
    ladder = list(maths.objectives.filter(stage=y3).order_by("order"))
    assert ladder[-1].code == "M3.9"

    def codes():
        return list(
            maths.objectives.filter(stage=y3).order_by("order").values_list("code", flat=True)
        )

    before = codes()
    move = reverse("curriculum:objective_move", args=[ladder[-1].pk])
    client.post(move, {"direction": "up"})
    assert codes() == before[:-2] + [before[-1], before[-2]]
    top = Objective.objects.get(subject=maths, code=before[0])
    client.post(reverse("curriculum:objective_move", args=[top.pk]), {"direction": "up"})
    assert codes()[0] == before[0]  # nothing above the top of the stage


def test_retiring_keeps_judgements_and_restoring_brings_it_back(own, login):
    grade = own.framework.judgement_scale.grades.get(short_label="S")
    record_judgement(own.amara, own.objective, grade, by=own.teacher)
    client = login(own.leader)
    client.post(reverse("curriculum:objective_retire", args=[own.objective.pk]))
    own.objective.refresh_from_db()
    assert own.objective.retired_at is not None
    assert Judgement.objects.filter(objective=own.objective).count() == 1
    page = client.get(reverse("curriculum:framework_detail", args=[own.framework.pk]))
    row = page.content.decode().split(f'id="objective-{own.objective.pk}"')[1].split("</tr>")[0]
    assert 'class="retired"' in page.content.decode()
    assert "Retired" in row and "1 judgement" in row
    client.post(reverse("curriculum:objective_restore", args=[own.objective.pk]))
    own.objective.refresh_from_db()
    assert own.objective.retired_at is None


def test_import_page_checks_then_imports_on_confirm(cast, login):
    client = login(cast.leader)
    bad = SimpleUploadedFile("fw.yaml", b"code: test-x\nstages: [\n")
    response = client.post(reverse("curriculum:import"), {"file": bad})
    assert response.status_code == 400 and "not valid YAML" in response.content.decode()
    shipped = Framework.objects.get(code="early-years", version=1)
    exported = client.get(reverse("curriculum:export", args=[shipped.pk, "yaml"]))
    assert exported["Content-Disposition"] == 'attachment; filename="early-years-v1.yaml"'
    text = exported.content.replace(b"code: early-years", b"code: test-our-eyfs")
    good = SimpleUploadedFile("ours.yaml", text)
    before = Framework.objects.count()
    preview = client.post(reverse("curriculum:import"), {"file": good})
    assert preview.status_code == 200 and "ready to import" in preview.content.decode()
    assert Framework.objects.count() == before  # nothing written before confirming
    token = preview.context["token"]
    done = client.post(reverse("curriculum:import_confirm"), {"token": token})
    framework = Framework.objects.get(code="test-our-eyfs")
    assert done.url == reverse("curriculum:framework_detail", args=[framework.pk])
    assert framework.school == cast.school
    assert SchoolFramework.objects.filter(school=cast.school, framework=framework).exists()
    # the same token cannot import twice
    again = client.post(reverse("curriculum:import_confirm"), {"token": token})
    assert again.url == reverse("curriculum:import")
    assert Framework.objects.filter(code="test-our-eyfs").count() == 1

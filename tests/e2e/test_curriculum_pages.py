"""The assessment leader opens the framework list, a framework's ladders and the editor
(each audited by axe-core), then moves an objective up its ladder from the keyboard alone."""

import pytest
from playwright.sync_api import expect

from nextsteps.curriculum import services
from nextsteps.curriculum.models import Framework, Objective

pytestmark = pytest.mark.browser


def test_leader_browses_frameworks_and_reorders_by_keyboard(browse, live_cast):
    # A transactional test's flush removes what the migration loaded: load it again.
    services.load_shipped()
    shipped = Framework.objects.get(code="england-primary")
    own = services.copy_for_school(shipped, live_cast.school, by=live_cast.leader)
    page = browse.page
    browse.sign_in(live_cast.leader)

    browse.goto("/curriculum/")
    expect(page.get_by_role("table", name="Frameworks Oakfield Primary uses")).to_contain_text(
        "(school copy)"
    )
    browse.follow(page.get_by_role("link", name=own.name))
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.name)
    expect(page.get_by_role("table", name="Mathematics: Year 3 (learning ladder")).to_contain_text(
        "I can add and subtract with columns."
    )
    browse.follow(page.get_by_role("link", name="Edit objectives"))

    maths = own.subjects.get(code="maths")
    ladder = list(maths.objectives.filter(stage__code="Y3").order_by("order"))
    second = ladder[1]
    page.get_by_role("button", name=f"Move {second.code} up").focus()
    browse.press("Enter")
    codes = list(
        Objective.objects.filter(subject=maths, stage__code="Y3")
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert codes[:2] == [second.code, ladder[0].code]
    # At the top of its stage "Move up" is disabled, so the focus goes to "Move down".
    expect(page.get_by_role("button", name=f"Move {second.code} up")).to_be_disabled()
    expect(page.get_by_role("button", name=f"Move {second.code} down")).to_be_focused()
    browse.press("Enter")
    expect(page.get_by_role("button", name=f"Move {second.code} down")).to_be_focused()
    codes = list(
        Objective.objects.filter(subject=maths, stage__code="Y3")
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert codes[:2] == [ladder[0].code, second.code]

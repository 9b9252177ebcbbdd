"""The markbook's table head and body, written in Python. A 30 x 60 grid is 1,800 cells and
60 objective headings; rendering them through the template language cost most of a grid
load, this costs a few milliseconds. The markup is what the markbook's script reads (data-*
attributes) and what screen readers announce (aria-label, th scope). Every value is escaped."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

register = template.Library()

_EMPTY = ("", "Not assessed", "", "")


def _grade_parts(grade) -> tuple[str, str, str, str]:
    """(style attribute, label, short label, id) for a grade, escaped, or those of an empty cell."""
    if grade is None:
        return _EMPTY
    return (
        f' style="--grade: {escape(grade.colour)}"',
        escape(grade.label),
        escape(grade.short_label),
        str(grade.id),
    )


def _shorten(text: str, limit: int = 50) -> str:
    """The first `limit` characters of a statement, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bar(percent: int) -> str:
    return f'<span class="bar" aria-hidden="true"><span style="width: {percent}%"></span></span>'


@register.simple_tag
def markbook_head(grid):
    """The heading row: pupil, one heading per objective with its coverage, secure."""
    parts = ['<tr><th scope="col">Pupil</th>']
    for index, column in enumerate(grid.columns):
        objective = column.objective
        code = escape(objective.code)
        key = ' <span class="tag">key</span>' if objective.key else ""
        short = escape(_shorten(objective.statement))
        parts.append(
            f'<th scope="col" class="objective" tabindex="-1" data-col="{index}" '
            f'title="{escape(objective.statement)}"><span class="code">{code}</span>{key} '
            f'<span class="statement">{short}</span> {_bar(column.percent)} '
            f'<span class="coverage" data-coverage>{column.secure}/{column.total} secure '
            f"({column.percent}%)</span></th>"
        )
    parts.append('<th scope="col">Secure</th></tr>')
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def markbook_body(grid):
    """One row per pupil: the name heading, a cell per objective, the pupil's coverage."""
    columns = [(c.objective.id, escape(c.objective.code)) for c in grid.columns]
    if not grid.rows:
        return mark_safe(f'<tr><td colspan="{len(columns) + 2}">No pupils match.</td></tr>')
    grades: dict = {}
    parts = []
    first = True
    for row in grid.rows:
        pupil = row.pupil
        pupil_id = pupil.id
        name = escape(pupil.name)
        parts.append(
            f'<tr><th scope="row" tabindex="-1" data-name="{name}">'
            f"{escape(pupil.last_name)}, {escape(pupil.first_name)}</th>"
        )
        for (objective_id, code), (judgement_id, grade) in zip(columns, row.cells, strict=True):
            key = grade.id if grade is not None else None
            if key not in grades:
                grades[key] = _grade_parts(grade)
            style, label, short, grade_id = grades[key]
            tabindex = "0" if first else "-1"
            first = False
            parts.append(
                f'<td role="gridcell" tabindex="{tabindex}" data-pupil="{pupil_id}" '
                f'data-objective="{objective_id}" data-code="{code}" '
                f'data-judgement="{judgement_id or ""}" data-grade="{grade_id}"{style} '
                f'aria-label="{name}, objective {code}: {label}"><span class="label">{short}'
                f'</span><span class="state" aria-hidden="true"></span></td>'
            )
        parts.append(
            f'<td class="pupil-coverage" data-pupil-coverage>{_bar(row.percent)}'
            f'<span class="coverage">{row.secure}/{len(row.cells)} ({row.percent}%)</span></td>'
            "</tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def markbook_stage_links(grid, elsewhere, subject, here):
    """A link per pupil (shown or tracked elsewhere) to set their working stage in `subject`,
    coming back to this markbook. One URL is reversed and the pupil's id put in its place."""
    marker = 987654321
    pattern = reverse("assessment:markbook_working_stage", args=[marker, subject.id])
    before, after = pattern.split(str(marker))
    query = escape(urlencode({"next": here}))
    pupils = [row.pupil for row in grid.rows] + [e["pupil"] for e in elsewhere]
    return mark_safe(  # noqa: S308 (names escaped, ids are integers)
        "".join(
            f'<li><a href="{before}{p.id}{after}?{query}">{escape(p.name)}</a></li>' for p in pupils
        )
    )

"""The markbook's cells, written in Python. A 30 x 60 grid is 1,800 cells; rendering each
through the template language cost about 200 ms a grid, this costs a few milliseconds."""

from html import escape

from django import template
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
        str(grade.pk),
    )


@register.simple_tag
def markbook_cells(row, first_row: bool):
    """The <td> cells of one pupil's row: the same markup the markbook's script reads
    (data-* attributes) and screen readers announce (aria-label). Every value is escaped."""
    name = escape(row.pupil.name)
    pupil_id = row.pupil.pk
    grades: dict = {}
    parts = []
    for index, cell in enumerate(row.cells):
        objective, grade = cell.objective, cell.grade
        key = grade.pk if grade is not None else None
        if key not in grades:
            grades[key] = _grade_parts(grade)
        style, label, short, grade_id = grades[key]
        code = escape(objective.code)
        tabindex = "0" if first_row and index == 0 else "-1"
        parts.append(
            f'<td role="gridcell" tabindex="{tabindex}" data-pupil="{pupil_id}" '
            f'data-objective="{objective.pk}" data-code="{code}" '
            f'data-judgement="{cell.judgement_id or ""}" data-grade="{grade_id}"{style} '
            f'aria-label="{name}, objective {code}: {label}"><span class="label">{short}</span>'
            f'<span class="state" aria-hidden="true"></span></td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)

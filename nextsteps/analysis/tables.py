"""The analysis tables as plain headers and rows: one shape for the pages' CSV and XLSX
exports and for checking them against the API."""

from .charts import bar_chart


def attainment_table(att) -> tuple[list, list]:
    headers = ["Group", "Pupils", "Judged", "Not judged"]
    for _, label in att.columns:
        headers += [f"{label} (n)", f"{label} (%)"]
    headers += ["At or above expected (n)", "At or above expected (%)", "Small group"]
    rows = []
    for r in att.rows:
        line = [r.label, _n(r.pupils), _n(r.judged), _n(r.not_judged)]
        for g in r.grades:
            line += [_n(g.count), _n(g.percent)]
        line += [
            _n(r.expected),
            _n(r.expected_percent),
            "suppressed" if r.suppressed else ("yes" if r.small else ""),
        ]
        rows.append(line)
    return headers, rows


def transition_table(tr) -> tuple[list, list]:
    headers = ["Was \\ now"] + [label for _, label in tr.after] + ["Total"]
    rows = [[row["label"]] + [n for _, n in row["cells"]] + [row["total"]] for row in tr.rows()]
    rows.append(["Total"] + tr.column_totals() + [tr.total])
    return headers, rows


def _n(value):
    return "" if value is None else value


def attainment_chart(att, title):
    """Bars of the share at or above expected for each group with figures."""
    items = [
        (r.label, r.expected_percent, f"{r.expected} of {r.judged}")
        for r in att.rows
        if not r.suppressed and r.judged
    ]
    return bar_chart(items, title)

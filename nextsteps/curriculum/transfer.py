"""Frameworks as files: read a YAML or CSV framework into a plain "spec", check it line by
line, build it through the services, and write a framework back out in either format.

A spec is the one in-between shape every path shares (the shipped files, uploads, exports,
school copies), so "is this file the same as the framework we have?" is a comparison of two
specs. The formats are described in the README ("Curriculum frameworks as files").
"""

import csv
import io
from dataclasses import dataclass, field

import yaml
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from . import services
from .models import Framework, Scale

MAX_BYTES = 1024 * 1024
MAX_OBJECTIVES = 5000
STAGE_KINDS = {value for value, _ in Framework.StageKind.choices}
CSV_COLUMNS = [
    "subject",
    "strand",
    "stage",
    "code",
    "statement",
    "pupil_statement",
    "key",
    "order",
    "success_criteria",
    "retired",
]
TRUE_WORDS = {"yes", "y", "true", "1", "key"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


@dataclass
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


class FrameworkFileError(Exception):
    """The file cannot be imported; `problems` says why, line by line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass
class Checked:
    spec: dict | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.problems


# --- reading -------------------------------------------------------------------------------


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader that notes each mapping's line so problems can point at it."""


def _mapping_with_line(loader, node, deep=False):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _text_of(content: bytes) -> tuple[str | None, list[Problem]]:
    if not content or not content.strip():
        return None, [Problem(None, "The file is empty.")]
    if len(content) > MAX_BYTES:
        size = MAX_BYTES // 1024
        return None, [Problem(None, f"The file is larger than {size} KB; split it up.")]
    if b"\x00" in content[:8192]:
        return None, [Problem(None, "This is not a text file (YAML or CSV) that NextSteps reads.")]
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return None, [Problem(line, "This is not UTF-8 text. Save the file as UTF-8 and retry.")]


def read_file(content: bytes, filename: str) -> Checked:
    """Read and check a framework file (YAML or CSV, by its name). Never raises for bad
    input: every problem found comes back with its line."""
    text, problems = _text_of(content)
    if problems:
        return Checked(None, problems)
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        raw, problems = _read_csv(text)
    elif lowered.endswith((".yaml", ".yml")):
        raw, problems = _read_yaml(text)
    else:
        return Checked(None, [Problem(None, "Upload a .yaml, .yml or .csv file.")])
    if raw is None:
        return Checked(None, problems)
    # Report the reading problems and the content problems together, in line order.
    checked = check_spec(raw)
    checked.problems = sorted(problems + checked.problems, key=lambda p: p.line or 0)
    return checked


def _read_yaml(text: str) -> tuple[dict | None, list[Problem]]:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or "it could not be read"
        return None, [Problem(line, f"This is not valid YAML: {reason}.")]
    if not isinstance(data, dict):
        return None, [Problem(1, "The file must describe one framework (code, name, ...).")]
    return data, []


def _read_csv(text: str) -> tuple[dict | None, list[Problem]]:
    """The CSV layout: "key,value" rows about the framework, then a header row starting
    `subject,strand` and one row per objective."""
    reader = csv.reader(io.StringIO(text))
    raw: dict = {"stages": [], "subjects": [], "__line__": 1}
    subjects: dict[str, dict] = {}
    problems: list[Problem] = []
    header = None
    try:
        for cells in reader:
            line = reader.line_num
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if header is None:
                if [c.lower() for c in cells[:2]] == ["subject", "strand"]:
                    header = [c.lower() for c in cells]
                    unknown = [c for c in header if c not in CSV_COLUMNS]
                    if unknown:
                        problems.append(Problem(line, f"Unknown column(s): {', '.join(unknown)}."))
                    continue
                key, values = cells[0].lower(), cells[1:]
                if key == "framework":
                    raw["code"] = values[0] if values else ""
                elif key in {
                    "name",
                    "description",
                    "stage_kind",
                    "judgement_scale",
                    "summary_scale",
                }:
                    raw[key] = values[0] if values else ""
                elif key == "stage":
                    values += [""] * (3 - len(values))
                    raw["stages"].append(
                        {
                            "code": values[0],
                            "name": values[1],
                            "year_stage": values[2] or None,
                            "__line__": line,
                        }
                    )
                elif key == "strand":
                    values += [""] * (2 - len(values))
                    owner = subjects.get(values[0])
                    if owner is None:
                        problems.append(
                            Problem(line, f"Strand row for '{values[0]}': list the subject first.")
                        )
                    else:
                        owner.setdefault("strands", []).append(values[1])
                elif key == "subject":
                    values += [""] * (4 - len(values))
                    subject = {
                        "code": values[0],
                        "name": values[1],
                        "judgement_scale": values[2] or None,
                        "summary_scale": values[3] or None,
                        "objectives": [],
                        "__line__": line,
                    }
                    raw["subjects"].append(subject)
                    subjects.setdefault(values[0], subject)
                else:
                    problems.append(
                        Problem(
                            line,
                            f"'{cells[0]}' is not a framework setting. Settings are framework, "
                            "name, description, stage_kind, judgement_scale, summary_scale, "
                            "stage, subject and strand; the objectives start after a row beginning "
                            "'subject,strand'.",
                        )
                    )
                continue
            row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
            if len(cells) > len(header) and any(cells[len(header) :]):
                problems.append(Problem(line, "This row has more cells than the header row."))
            subject = subjects.get(row.get("subject", ""))
            if subject is None:
                subject = {"code": row.get("subject", ""), "objectives": [], "__line__": line}
                raw["subjects"].append(subject)
                subjects[subject["code"]] = subject
            criteria = [c.strip() for c in row.get("success_criteria", "").split(";")]
            subject["objectives"].append(
                {
                    "code": row.get("code", ""),
                    "strand": row.get("strand", ""),
                    "stage": row.get("stage", ""),
                    "statement": row.get("statement", ""),
                    "pupil_statement": row.get("pupil_statement", ""),
                    "key": row.get("key", ""),
                    "retired": row.get("retired", ""),
                    "order": row.get("order", ""),
                    "success_criteria": [c for c in criteria if c],
                    "__line__": line,
                }
            )
    except csv.Error as exc:
        return None, [Problem(reader.line_num, f"This is not valid CSV: {exc}.")]
    if header is None and not problems:
        problems.append(
            Problem(None, "No objectives found: add a header row starting 'subject,strand'.")
        )
    # Rows carry an optional order: sort each subject's rows by it (file order breaks ties).
    for subject in raw["subjects"]:
        rows = subject["objectives"]
        for index, row in enumerate(rows):
            order = str(row.pop("order", "")).strip()
            if order and not order.lstrip("-").isdigit():
                problems.append(Problem(row["__line__"], f"Order '{order}' is not a number."))
                order = ""
            row["_sort"] = (int(order) if order else (index + 1) * 10, index)
        rows.sort(key=lambda r: r.pop("_sort"))
    return raw, problems


# --- checking ------------------------------------------------------------------------------


def _flag(value, line, what, problems) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(Problem(line, f"{what} must be yes or no, not '{value}'."))
    return False


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def check_spec(raw: dict) -> Checked:
    """Check a framework read from a file and return it in canonical form (lines kept for
    messages, defaults filled in). Scales are checked by code only here; whether the school
    may use them is checked on import."""
    problems: list[Problem] = []
    top = raw.get("__line__", 1)

    def need(mapping, key, limit, what, line):
        value = _text(mapping.get(key))
        if not value:
            problems.append(Problem(line, f"{what} is missing."))
        elif len(value) > limit:
            problems.append(Problem(line, f"{what} is longer than {limit} characters."))
        return value

    code = need(raw, "code", 60, "The framework code", top)
    if code and slugify(code) != code:
        problems.append(
            Problem(top, f"The framework code '{code}' may use only a-z, 0-9 and hyphens.")
        )
    spec = {
        "code": code,
        "name": need(raw, "name", 200, "The framework name", top),
        "description": _text(raw.get("description")),
        "stage_kind": _text(raw.get("stage_kind")) or Framework.StageKind.YEAR,
        "judgement_scale": need(raw, "judgement_scale", 60, "The judgement scale", top),
        "summary_scale": need(raw, "summary_scale", 60, "The summary scale", top),
        "stages": [],
        "subjects": [],
    }
    if spec["stage_kind"] not in STAGE_KINDS:
        problems.append(
            Problem(
                top,
                f"stage_kind '{spec['stage_kind']}' is unknown: use one of "
                f"{', '.join(sorted(STAGE_KINDS))}.",
            )
        )

    stages = raw.get("stages") or []
    if not isinstance(stages, list) or not stages:
        problems.append(Problem(top, "The framework needs a list of stages."))
        stages = []
    for item in stages:
        line = item.get("__line__", top) if isinstance(item, dict) else top
        if not isinstance(item, dict):
            problems.append(Problem(line, "Each stage needs a code and a name."))
            continue
        stage = {
            "code": need(item, "code", 20, "The stage code", line),
            "name": need(item, "name", 60, "The stage name", line),
            "year_stage": None,
        }
        year = item.get("year_stage")
        if year not in (None, ""):
            try:
                stage["year_stage"] = int(year)
            except (TypeError, ValueError):
                problems.append(Problem(line, f"year_stage '{year}' is not a whole number."))
        if any(s["code"] == stage["code"] for s in spec["stages"]):
            problems.append(Problem(line, f"The stage code '{stage['code']}' is used twice."))
        spec["stages"].append(stage)
    stage_codes = {s["code"] for s in spec["stages"]}

    subjects = raw.get("subjects") or []
    if not isinstance(subjects, list) or not subjects:
        problems.append(Problem(top, "The framework needs at least one subject."))
        subjects = []
    count = 0
    for item in subjects:
        line = item.get("__line__", top) if isinstance(item, dict) else top
        if not isinstance(item, dict):
            problems.append(Problem(line, "Each subject needs a code and a name."))
            continue
        subject_code = need(item, "code", 30, "The subject code", line)
        subject = {
            "code": subject_code,
            "name": _text(item.get("name")) or subject_code.replace("-", " ").capitalize(),
            "judgement_scale": _text(item.get("judgement_scale")) or None,
            "summary_scale": _text(item.get("summary_scale")) or None,
            "strands": [],
            "objectives": [],
        }
        if len(subject["name"]) > 100:
            problems.append(Problem(line, "The subject name is longer than 100 characters."))
        if any(s["code"] == subject_code for s in spec["subjects"]):
            problems.append(Problem(line, f"The subject code '{subject_code}' is used twice."))
        for strand in item.get("strands") or []:
            name = _text(strand)
            if name and name not in subject["strands"]:
                subject["strands"].append(name)
        objectives = item.get("objectives") or []
        if not isinstance(objectives, list):
            problems.append(Problem(line, "A subject's objectives must be a list."))
            objectives = []
        seen: dict[str, int] = {}
        for entry in objectives:
            count += 1
            o_line = entry.get("__line__", line) if isinstance(entry, dict) else line
            if not isinstance(entry, dict):
                problems.append(Problem(o_line, "Each objective needs a code and a statement."))
                continue
            o_code = need(entry, "code", 40, "The objective code", o_line)
            if o_code in seen:
                problems.append(
                    Problem(
                        o_line,
                        f"The objective code '{o_code}' is used twice in {subject['name']} "
                        f"(first on line {seen[o_code]}).",
                    )
                )
            seen.setdefault(o_code, o_line)
            stage = _text(entry.get("stage"))
            if not stage:
                problems.append(Problem(o_line, "The objective's stage is missing."))
            elif stage not in stage_codes:
                problems.append(
                    Problem(
                        o_line,
                        f"Unknown stage '{stage}': the stages are "
                        f"{', '.join(sorted(stage_codes))}.",
                    )
                )
            strand = need(entry, "strand", 100, "The objective's strand", o_line)
            if strand and strand not in subject["strands"]:
                subject["strands"].append(strand)
            criteria = entry.get("success_criteria") or []
            if isinstance(criteria, str):
                criteria = [c for c in (p.strip() for p in criteria.split(";")) if c]
            if not isinstance(criteria, list):
                problems.append(Problem(o_line, "Success criteria must be a list of sentences."))
                criteria = []
            subject["objectives"].append(
                {
                    "code": o_code,
                    "strand": strand,
                    "stage": stage,
                    "statement": need(entry, "statement", 2000, "The statement", o_line),
                    "pupil_statement": _text(entry.get("pupil_statement")),
                    "key": _flag(entry.get("key"), o_line, "key", problems),
                    "retired": _flag(entry.get("retired"), o_line, "retired", problems),
                    "success_criteria": [_text(c) for c in criteria if _text(c)],
                    "line": o_line,
                }
            )
        spec["subjects"].append(subject)
    if count > MAX_OBJECTIVES:
        problems.append(Problem(None, f"More than {MAX_OBJECTIVES} objectives: split the file."))
    return Checked(spec, problems)


def scales_for(school) -> dict[str, Scale]:
    """The scales a framework for `school` may name: shipped ones and the school's own."""
    query = Q(school__isnull=True)
    if school is not None:
        query |= Q(school=school)
    return {s.code: s for s in Scale.objects.filter(query)}


def check_scales(spec: dict, school) -> list[Problem]:
    known = scales_for(school)
    problems = []
    names = [("framework", spec["judgement_scale"]), ("framework", spec["summary_scale"])]
    for subject in spec["subjects"]:
        names += [(subject["name"], subject["judgement_scale"])]
        names += [(subject["name"], subject["summary_scale"])]
    for owner, code in names:
        if code and code not in known:
            problems.append(
                Problem(
                    None,
                    f"Unknown scale '{code}' ({owner}): use one of {', '.join(sorted(known))}.",
                )
            )
    return problems


# --- building ------------------------------------------------------------------------------


@transaction.atomic
def build(spec: dict, *, school=None, by=None) -> Framework:
    """Create the framework in `spec` (a new version when its code exists) through the
    services, all or nothing. The spec must have been checked."""
    scales = scales_for(school)
    framework = services.create_framework(
        code=spec["code"],
        name=spec["name"],
        description=spec["description"],
        stage_kind=spec["stage_kind"],
        judgement_scale=scales[spec["judgement_scale"]],
        summary_scale=scales[spec["summary_scale"]],
        school=school,
        by=by,
    )
    stages = {}
    for position, item in enumerate(spec["stages"], start=1):
        stages[item["code"]] = services.add_stage(
            framework, item["code"], item["name"], position, year_stage=item["year_stage"]
        )
    for s_position, item in enumerate(spec["subjects"], start=1):
        subject = services.add_subject(
            framework,
            item["code"],
            item["name"],
            order=s_position,
            judgement_scale=scales.get(item["judgement_scale"] or ""),
            summary_scale=scales.get(item["summary_scale"] or ""),
        )
        strands = {
            name: services.add_strand(subject, name, position)
            for position, name in enumerate(item["strands"], start=1)
        }
        for position, entry in enumerate(item["objectives"], start=1):
            objective = services.add_objective(
                strands[entry["strand"]],
                stages[entry["stage"]],
                entry["code"],
                entry["statement"],
                pupil_statement=entry["pupil_statement"],
                key=entry["key"],
                order=position * 10,
                success_criteria=entry["success_criteria"],
            )
            if entry["retired"]:
                services.retire_objective(objective)
    return framework


# --- writing -------------------------------------------------------------------------------


def spec_of(framework: Framework) -> dict:
    """The framework as a spec, objectives in ladder order (stage, then position)."""
    stages = list(framework.stages.all())
    spec = {
        "code": framework.code,
        "name": framework.name,
        "description": framework.description,
        "stage_kind": framework.stage_kind,
        "judgement_scale": framework.judgement_scale.code,
        "summary_scale": framework.summary_scale.code,
        "stages": [{"code": s.code, "name": s.name, "year_stage": s.year_stage} for s in stages],
        "subjects": [],
    }
    subjects = framework.subjects.select_related(
        "judgement_scale", "summary_scale"
    ).prefetch_related(
        "strands", "objectives__success_criteria", "objectives__stage", "objectives__strand"
    )
    for subject in subjects:
        objectives = sorted(subject.objectives.all(), key=lambda o: (o.stage.order, o.order, o.pk))
        spec["subjects"].append(
            {
                "code": subject.code,
                "name": subject.name,
                "judgement_scale": subject.judgement_scale.code
                if subject.judgement_scale
                else None,
                "summary_scale": subject.summary_scale.code if subject.summary_scale else None,
                "strands": [s.name for s in subject.strands.all()],
                "objectives": [
                    {
                        "code": o.code,
                        "strand": o.strand.name,
                        "stage": o.stage.code,
                        "statement": o.statement,
                        "pupil_statement": o.pupil_statement,
                        "key": o.key,
                        "retired": o.retired_at is not None,
                        "success_criteria": [c.text for c in o.success_criteria.all()],
                    }
                    for o in objectives
                ],
            }
        )
    return spec


def same_content(a: dict, b: dict) -> bool:
    """Whether two specs describe the same framework (ignoring where lines were and the order
    objectives of different stages were listed in)."""

    def canonical(spec):
        stage_rank = {s["code"]: i for i, s in enumerate(spec["stages"])}
        copy = {k: v for k, v in spec.items() if k != "subjects"}
        copy["subjects"] = []
        for subject in spec["subjects"]:
            objectives = sorted(
                enumerate(subject["objectives"]),
                key=lambda pair: (stage_rank.get(pair[1]["stage"], 0), pair[0]),
            )
            copy["subjects"].append(
                {
                    **{k: v for k, v in subject.items() if k != "objectives"},
                    "objectives": [
                        {k: v for k, v in o.items() if k != "line"} for _, o in objectives
                    ],
                }
            )
        return copy

    return canonical(a) == canonical(b)


def to_yaml(framework: Framework) -> str:
    spec = spec_of(framework)
    for subject in spec["subjects"]:
        for key in ("judgement_scale", "summary_scale"):
            if subject[key] is None:
                del subject[key]
        for objective in subject["objectives"]:
            if not objective["key"]:
                del objective["key"]
            if not objective["retired"]:
                del objective["retired"]
            if not objective["success_criteria"]:
                del objective["success_criteria"]
            if not objective["pupil_statement"]:
                del objective["pupil_statement"]
    header = f"# {framework} exported from NextSteps. Format: see the README.\n"
    return header + yaml.safe_dump(
        spec, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def to_csv(framework: Framework) -> str:
    spec = spec_of(framework)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["framework", spec["code"]])
    writer.writerow(["name", spec["name"]])
    if spec["description"]:
        writer.writerow(["description", spec["description"]])
    writer.writerow(["stage_kind", spec["stage_kind"]])
    writer.writerow(["judgement_scale", spec["judgement_scale"]])
    writer.writerow(["summary_scale", spec["summary_scale"]])
    for stage in spec["stages"]:
        year = "" if stage["year_stage"] is None else stage["year_stage"]
        writer.writerow(["stage", stage["code"], stage["name"], year])
    for subject in spec["subjects"]:
        writer.writerow(
            [
                "subject",
                subject["code"],
                subject["name"],
                subject["judgement_scale"] or "",
                subject["summary_scale"] or "",
            ]
        )
        for strand in subject["strands"]:
            writer.writerow(["strand", subject["code"], strand])
    writer.writerow([])
    writer.writerow(CSV_COLUMNS)
    for subject in spec["subjects"]:
        for position, o in enumerate(subject["objectives"], start=1):
            writer.writerow(
                [
                    subject["code"],
                    o["strand"],
                    o["stage"],
                    o["code"],
                    o["statement"],
                    o["pupil_statement"],
                    "yes" if o["key"] else "",
                    position * 10,
                    "; ".join(o["success_criteria"]),
                    "yes" if o["retired"] else "",
                ]
            )
    return out.getvalue()

"""The alert rules, written down. Pure Python (no Django), so they can be read, tuned and tested
on their own; the database side is in detect.py and the rest of the app.

Four rules, each switched on or off and tuned per school (AlertSettings, the "Alert rules" page,
or PUT /api/v1/schools/{id}/alert-rules):

    {"rag_deteriorating": {"enabled": true, "weeks": 3, "max_gap_weeks": 2, ...},
     "off_track": {"enabled": true, ...},
     "tests_disagree": {"enabled": true, "min_steps": 2, ...},
     "quiet": {"enabled": true, "weeks": 6, ...}}

Every rule also has `email` (tell the people by email as well as in NextSteps), `action_plan`
(open an action plan when it fires), `plan_owner` (who owns that plan: the inclusion manager,
the class teacher, the assessment leader or the head) and `review_days` (the plan's review date,
that many days after the alert).

Weekly progress deteriorating (rag_deteriorating)
-------------------------------------------------
Each student is rated Red, Amber or Green every week in each of the school's review areas
(Green is best). For one student and one area, take their rated weeks in order.

1. A fall is a week rated worse than the rated week before it (Green to Amber, Green to Red,
   Amber to Red).
2. A run of deterioration starts with a fall and goes on while each following rated week is
   worse again or stays the same (which, after a fall, means it stays Amber or Red). A better
   rating than the week before ends the run: the student has recovered.
3. The run's length is the number of rated weeks in it, counting the week of the first fall.
   The rule fires when the length is more than `weeks` (default 3): Green, Amber, Amber, Amber
   is three weeks and does not fire; Green, Amber, Amber, Amber, Red is four and does.
4. A week with no rating (a holiday, an absence, a rating not given) is skipped: it neither
   continues nor ends the run, and it is not counted. More than `max_gap_weeks` (default 2)
   weeks in a row with no rating break the history: the next rating starts afresh, compared
   with nothing before the gap (so the summer holiday never joins two school years' runs).
5. Only a run still going on raises an alert: it includes the student's latest rating in the
   area, and that rating is no more than `max_gap_weeks` weeks before the current week's
   (ratings are usually given for the week just gone). A run that ended before the sweep saw
   it (the student recovered) raises nothing.
6. Recovery does not close an alert: an alert is closed by a person, with an outcome. The
   alert is marked "recovered" (cleared) while the run is over, so the list shows it.
7. One run is one alert: after it is closed, the same run going on raises nothing more; a new
   run (after a recovery or a break) may raise a new alert once the old one is closed.

The placing provider is told (in NextSteps and by email, at the provider's address and the
placement's contact address); a student with no placement is the class teacher's and the
inclusion manager's concern instead.

Off track against target (off_track)
------------------------------------
At the latest assessment point of the school's current year that has been reached (its date
is today or earlier), a pupil judged off track against their target in a subject, by the
school's on-track rule (nextsteps/tracking/rule.py; "at risk" does not fire). The class
teacher(s) and the inclusion manager(s) are told. While the alert is open, the pupil being
off track in that subject at a later point raises nothing more; once it is closed, a later
point where they are off track again raises a new one.

Tests disagree with teacher judgement (tests_disagree)
------------------------------------------------------
At the same assessment point, a pupil whose test result and the teacher's summary judgement
in a subject (compared as in nextsteps/results/comparison.py: below, at or above expected)
are at least `min_steps` steps apart (default 2: one reads below expected and the other above).
The class teacher(s) and the assessment leader(s) are told.

No judgement or evidence (quiet)
--------------------------------
No objective or summary judgement, lesson feedback or learner conversation recorded for a
pupil for `weeks` weeks (default 6), as in the "who needs help now" list. A pupil is only
counted once they have been on roll at the school this academic year for that long, so the
summer holiday does not make the whole school quiet in September. The class teacher(s) are
told (the assessment leader if the pupil has no class). A new quiet spell (after new evidence)
may raise a new alert once the old one is closed.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

RAG = "rag_deteriorating"
OFF_TRACK = "off_track"
TESTS = "tests_disagree"
QUIET = "quiet"
RULES = (RAG, OFF_TRACK, TESTS, QUIET)

LABELS = {
    RAG: "Weekly progress deteriorating",
    OFF_TRACK: "Off track against target",
    TESTS: "Test disagrees with teacher judgement",
    QUIET: "No judgement or evidence",
}

OWNERS = {
    "inclusion_manager": "The inclusion manager (SENCo)",
    "class_teacher": "The class teacher",
    "assessment_leader": "The assessment leader",
    "head": "The headteacher",
}

# The Red/Amber/Green ranks of nextsteps.reviews.models.RANK (higher is better), repeated here
# so that this module needs no Django.
RANK = {"R": 0, "A": 1, "G": 2}
NAMES = {"R": "Red", "A": "Amber", "G": "Green"}


def _common(email: bool, plan: bool, owner: str, review_days: int) -> dict:
    return {
        "enabled": True,
        "email": email,
        "action_plan": plan,
        "plan_owner": owner,
        "review_days": review_days,
    }


DEFAULTS = {
    RAG: {
        **_common(True, True, "inclusion_manager", 14),
        "weeks": 3,
        "max_gap_weeks": 2,
    },
    OFF_TRACK: _common(True, True, "class_teacher", 28),
    TESTS: {**_common(False, True, "class_teacher", 28), "min_steps": 2},
    QUIET: {**_common(False, False, "class_teacher", 14), "weeks": 6},
}

# name -> (kind, lowest, highest, what it means), for checking and for the settings page
FIELDS = {
    "enabled": (bool, None, None, "Raise alerts by this rule"),
    "email": (bool, None, None, "Tell people by email as well as in NextSteps"),
    "action_plan": (bool, None, None, "Open an action plan when the rule fires"),
    "plan_owner": (str, None, None, "Who owns the action plan"),
    "review_days": (int, 1, 365, "Days from the alert to the plan's review date"),
    "weeks": (int, 1, 26, "Weeks"),
    "max_gap_weeks": (int, 0, 8, "Weeks without a rating that are skipped"),
    "min_steps": (int, 1, 2, "Steps apart (1: any disagreement; 2: below against above)"),
}


class SettingsError(ValueError):
    """Settings that are not valid: `errors` maps "rule.field" to a sentence."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def defaults() -> dict:
    return {rule: dict(values) for rule, values in DEFAULTS.items()}


def parse(given) -> dict:
    """The full settings (every rule, every field) from `given`, a mapping of rule -> {field:
    value} where anything left out keeps its default. Raises SettingsError naming each field
    that is unknown or out of range; nothing is half-applied."""
    out = defaults()
    errors = {}
    if given is None:
        return out
    if not isinstance(given, dict):
        raise SettingsError({"rules": "Give the rules as a mapping of rule name to settings."})
    for rule, values in given.items():
        if rule not in DEFAULTS:
            errors[str(rule)] = f"There is no rule called {rule!r}."
            continue
        if not isinstance(values, dict):
            errors[rule] = "Give this rule's settings as a mapping of name to value."
            continue
        for name, value in values.items():
            where = f"{rule}.{name}"
            if name not in DEFAULTS[rule]:
                errors[where] = f"{LABELS[rule]} has no setting called {name!r}."
                continue
            kind, low, high, _ = FIELDS[name]
            if kind is bool:
                if not isinstance(value, bool):
                    errors[where] = "Give true or false."
                    continue
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int):
                    errors[where] = f"Give a whole number from {low} to {high}."
                    continue
                if not low <= value <= high:
                    errors[where] = f"Give a whole number from {low} to {high}."
                    continue
            elif name == "plan_owner" and value not in OWNERS:
                errors[where] = f"Choose one of {', '.join(OWNERS)}."
                continue
            out[rule][name] = value
    if errors:
        raise SettingsError(errors)
    return out


def stored(given) -> dict:
    """Settings as stored, read leniently: what cannot be parsed gives the defaults (the page
    and the API refuse such settings, so this only guards against hand-edited rows)."""
    try:
        return parse(given)
    except SettingsError:
        return defaults()


# Weekly progress deteriorating ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A run of deterioration still going on: `before` is the rated week before the first fall
    and `weeks` the rated weeks of the run, oldest first, each (week index, rating)."""

    before: tuple[int, str]
    weeks: tuple[tuple[int, str], ...]

    @property
    def length(self) -> int:
        return len(self.weeks)

    @property
    def start(self) -> int:
        return self.weeks[0][0]

    def skipped(self) -> list[int]:
        """Week indexes inside the run (after `before`) with no rating."""
        rated = [self.before[0], *(i for i, _ in self.weeks)]
        return [i for a, b in zip(rated, rated[1:], strict=False) for i in range(a + 1, b)]


def ongoing_run(newest_first: Iterable[tuple[int, str]], *, max_gap_weeks: int, current: int):
    """The run of deterioration that includes the latest rating (rule points 1 to 5), or None.

    `newest_first` gives (week index, rating) pairs from the latest rated week backwards, week
    indexes counting one a week; `current` is the index of the current week. Only the ratings
    back to the last Green (or to an improvement or a break) are read, so a long history costs
    no more than its end."""
    ratings = iter(newest_first)
    latest = next(ratings, None)
    if latest is None or current - latest[0] - 1 > max_gap_weeks or latest[1] == "G":
        return None
    tail = [latest]  # newest first; ranks never fall going back in time
    for index, rating in ratings:
        later_index, later_rating = tail[-1]
        if later_index - index - 1 > max_gap_weeks or RANK[rating] < RANK[later_rating]:
            break  # a break, or the later week was a recovery: the tail starts after it
        tail.append((index, rating))
        if rating == "G":
            break  # the fall from Green is the first fall: nothing earlier matters
    tail.reverse()
    for p in range(1, len(tail)):
        if RANK[tail[p][1]] < RANK[tail[p - 1][1]]:
            return Run(before=tail[p - 1], weeks=tuple(tail[p:]))
    return None


def fires(run: Run | None, weeks: int) -> bool:
    return run is not None and run.length > weeks


def newest_first_from_masks(red: int, amber: int, green: int) -> Iterator[tuple[int, str]]:
    """(week index, rating) from the highest index down, from three bit masks in which bit i is
    set when week i was rated Red, Amber or Green (the shape detect.py reads from SQL)."""
    rated = red | amber | green
    while rated:
        index = rated.bit_length() - 1
        bit = 1 << index
        yield index, ("R" if red & bit else "A" if amber & bit else "G")
        rated ^= bit


def path(run: Run) -> str:
    """The ratings of a run in short, repeats counted: "Green → Amber ×3 → Red"."""
    steps = []
    for _, rating in (run.before, *run.weeks):
        if steps and steps[-1][0] == rating:
            steps[-1][1] += 1
        else:
            steps.append([rating, 1])
    return " → ".join(NAMES[r] + (f" ×{n}" if n > 1 else "") for r, n in steps)


def describe_run(run: Run, area: str, weeks: int, week_label) -> tuple[str, list[str]]:
    """A one-line summary and the evidence in sentences. `week_label(index)` names a week."""
    summary = f"{area}: deteriorating for {run.length} weeks ({path(run)})"
    rated = (run.before, *run.weeks)
    dated = [(i, f"{NAMES[r]} in the week of {week_label(i)}.") for i, r in rated]
    dated += [(i, f"No rating in the week of {week_label(i)} (skipped).") for i in run.skipped()]
    lines = [text for _, text in sorted(dated)]
    lines.append(
        f"{run.length} weeks of deterioration in {area}: more than the {weeks} the school allows."
    )
    return summary, lines

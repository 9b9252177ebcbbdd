"""The groups attainment is broken down by, as flags worked out in SQL for each row.

A flag is an annotation on a queryset whose rows carry a pupil (a summary judgement, or the
pupil itself): the pupil's sex, whether a characteristic (disadvantaged, SEN support, EHC
plan, EAL, looked after) was current on the day the figures are about, whether they are
summer-born (born April to August) and whether they belong to each of the school's own
groups. A figure groups by the flags and counts (GROUP BY), so a breakdown costs one query
whatever the number of pupils, and the pupils behind a figure are found by filtering on the
same flag."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)

from nextsteps.schools.models import Characteristic, GroupMembership
from nextsteps.schools.models import Group as SchoolGroup

SMALL_GROUP = 5  # fewer pupils than this: flagged for staff, suppressed for governors

# flag name -> (characteristic kind, value)
CHARACTERISTIC_FLAGS = {
    "disadvantaged": ("disadvantaged", "Y"),
    "sen_k": ("sen", "K"),
    "sen_e": ("sen", "E"),
    "eal": ("eal", "Y"),
    "looked_after": ("looked_after", "Y"),
}


@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown: the pupils whose `flag` equals `value` ("all": everyone)."""

    key: str
    label: str
    flag: str | None = None
    value: object = None

    def holds(self, row: dict) -> bool:
        return self.flag is None or row.get(self.flag) == self.value

    def q(self) -> Q:
        return Q() if self.flag is None else Q(**{self.flag: self.value})


ALL = Breakdown("all", "All pupils")
STANDARD = [
    ALL,
    Breakdown("girls", "Girls", "g_sex", "F"),
    Breakdown("boys", "Boys", "g_sex", "M"),
    Breakdown("disadvantaged", "Disadvantaged", "g_disadvantaged", True),
    Breakdown("not_disadvantaged", "Not disadvantaged", "g_disadvantaged", False),
    Breakdown("sen_k", "SEN support (K)", "g_sen_k", True),
    Breakdown("sen_e", "EHC plan (E)", "g_sen_e", True),
    Breakdown("no_sen", "No SEN", "g_no_sen", True),
    Breakdown("eal", "EAL", "g_eal", True),
    Breakdown("looked_after", "Looked after", "g_looked_after", True),
    Breakdown("summer_born", "Summer-born", "g_summer_born", True),
    Breakdown("not_summer_born", "Not summer-born", "g_summer_born", False),
]


def custom_groups(schools) -> list:
    """The schools' own groups (SEN register, focus, intervention, custom), by name."""
    ids = [getattr(s, "pk", s) for s in schools]
    return list(SchoolGroup.objects.filter(school_id__in=ids).order_by("school_id", "name", "pk"))


def breakdowns(groups=()) -> list[Breakdown]:
    """Every breakdown: the standard ones, then one per custom group."""
    return STANDARD + [Breakdown(f"group_{g.pk}", g.name, f"g_group_{g.pk}", True) for g in groups]


def find(key: str, groups=()) -> Breakdown | None:
    return next((b for b in breakdowns(groups) if b.key == key), None)


def _current_on(on):
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def flags(on, pupil="pupil", groups=()) -> dict:
    """Annotations for the group flags, for rows whose pupil is reached by `pupil` ("pupil"
    on a judgement, "pk" on a pupil). `on` is a date, or an expression such as
    OuterRef("assessment_point__date") for figures spread over many days.

    For one date every flag is a membership test against a list worked out once per query
    (the pupils holding the characteristic that day), which the database builds as a hash
    and probes per row; a date that varies by row needs a correlated EXISTS per row, which
    costs an index probe per row and flag, so callers split their rows by date where they
    can (see figures.trust_attainment)."""
    fixed = isinstance(on, date)
    column = "pk" if pupil == "pk" else f"{pupil}_id"
    ref = OuterRef(pupil)
    sex_path = "sex" if pupil == "pk" else f"{pupil}__sex"
    born_path = "date_of_birth" if pupil == "pk" else f"{pupil}__date_of_birth"

    def holding(rows):
        if fixed:
            return ExpressionWrapper(
                Q(**{f"{column}__in": rows.values("pupil_id")}), output_field=BooleanField()
            )
        return Exists(rows.filter(pupil_id=ref))

    out = {"g_sex": F(sex_path)}
    for name, (kind, value) in CHARACTERISTIC_FLAGS.items():
        out[f"g_{name}"] = holding(
            Characteristic.objects.filter(_current_on(on), kind=kind, value=value)
        )
    sen = Characteristic.objects.filter(_current_on(on), kind="sen", value__in=("K", "E"))
    if fixed:
        out["g_no_sen"] = ExpressionWrapper(
            ~Q(**{f"{column}__in": sen.values("pupil_id")}), output_field=BooleanField()
        )
    else:
        out["g_no_sen"] = ~Exists(sen.filter(pupil_id=ref))
    out["g_summer_born"] = Case(
        When(**{f"{born_path}__month__gte": 4, f"{born_path}__month__lte": 8}, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    for group in groups:
        out[f"g_group_{group.pk}"] = holding(GroupMembership.objects.filter(group_id=group.pk))
    return out

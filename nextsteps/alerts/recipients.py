"""Who is told about an alert, and who owns its action plan, read for a whole school at once.

- Weekly progress deteriorating: the placing provider of a student placed at the school (the
  provider's staff in NextSteps; by e-mail the provider's address and the placement's contact
  address). A student with no placement: the class teacher(s) and the inclusion manager(s).
- Off track against target: the class teacher(s) and the inclusion manager(s).
- Tests disagree with teacher judgement: the class teacher(s) and the assessment leader(s).
- No judgement or evidence: the class teacher(s); the assessment leader(s) when the pupil has
  no class.

Staff are told in NextSteps and, when the rule sends e-mail, at their own address too.
Class teachers are those linked as teacher to the pupil's current class at the school.

The action plan's owner is the person the rule names (`plan_owner`): the pupil's class
teacher, or the school's inclusion manager, assessment leader or head (the one with the lowest
id when there are several). Nobody in that role: the inclusion manager, then the head, then
the deputy. Nobody at all: no plan, and the alert says why.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from . import rules

IN_APP = "in_app"
EMAIL = "email"


@dataclass(frozen=True)
class Recipient:
    channel: str
    why: str
    user: object = None  # a User, for NextSteps and staff e-mail
    address: str = ""

    @property
    def key(self) -> str:
        return f"user:{self.user.pk}" if self.channel == IN_APP else self.address.lower()


class People:
    """The people around the pupils of one school who might be told: class teachers, role
    holders and placing providers. Four queries, whatever the number of pupils."""

    def __init__(self, school, pupil_ids, today: date):
        from nextsteps.schools.models import ClassStaff, Enrolment, Placement, Role

        pupil_ids = sorted(set(pupil_ids))
        current = Q(end_date__isnull=True) | Q(end_date__gte=today)
        classes = defaultdict(set)
        for pupil_id, class_id in Enrolment.objects.filter(
            current,
            school=school,
            start_date__lte=today,
            pupil_id__in=pupil_ids,
            school_class__isnull=False,
        ).values_list("pupil_id", "school_class_id"):
            classes[pupil_id].add(class_id)
        teachers = defaultdict(list)
        for link in (
            ClassStaff.objects.filter(
                school_class_id__in={c for cs in classes.values() for c in cs},
                kind=ClassStaff.Kind.TEACHER,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("user_id")
        ):
            teachers[link.school_class_id].append(link.user)
        self.class_teachers = {
            pupil_id: _unique([u for c in sorted(cs) for u in teachers[c]])
            for pupil_id, cs in classes.items()
        }
        self.roles = defaultdict(list)
        for role in (
            Role.objects.filter(school=school, user__is_active=True)
            .select_related("user")
            .order_by("user_id")
        ):
            self.roles[role.kind].append(role.user)
        self.placements = defaultdict(list)
        providers = set()
        for placement in (
            Placement.objects.filter(
                current, school=school, start_date__lte=today, pupil_id__in=pupil_ids
            )
            .select_related("provider")
            .order_by("provider_id", "id")
        ):
            self.placements[placement.pupil_id].append(placement)
            providers.add(placement.provider_id)
        self.provider_staff = defaultdict(list)
        for role in (
            Role.objects.filter(
                kind=Role.Kind.PROVIDER_STAFF, provider_id__in=providers, user__is_active=True
            )
            .select_related("user")
            .order_by("user_id")
        ):
            self.provider_staff[role.provider_id].append(role.user)

    def holders(self, kind: str) -> list:
        return self.roles.get(kind, [])

    def told(self, rule: str, pupil_id: int, email: bool) -> list[Recipient]:
        """Everyone told about an alert by `rule` for the pupil, one Recipient per person and
        channel (the same address or person twice is told once)."""
        staff = []  # (user, why)
        providers = []  # (placement)
        teachers = [(u, "Class teacher") for u in self.class_teachers.get(pupil_id, [])]
        if rule == rules.RAG:
            providers = self.placements.get(pupil_id, [])
            if not providers:
                staff = teachers + self._role("inclusion_manager", "Inclusion manager")
        elif rule == rules.OFF_TRACK:
            staff = teachers + self._role("inclusion_manager", "Inclusion manager")
        elif rule == rules.TESTS:
            staff = teachers + self._role("assessment_leader", "Assessment leader")
        else:
            staff = teachers or self._role("assessment_leader", "Assessment leader")
        out = []
        for user, why in staff:
            out.append(Recipient(IN_APP, why, user=user))
            if email and user.email:
                out.append(Recipient(EMAIL, why, user=user, address=user.email))
        for placement in providers:
            why = f"Placing provider ({placement.provider.name})"
            for user in self.provider_staff.get(placement.provider_id, []):
                out.append(Recipient(IN_APP, why, user=user))
            if email:
                for address in (placement.provider.email, placement.contact_email):
                    if address:
                        out.append(Recipient(EMAIL, why, address=address))
        seen, unique = set(), []
        for recipient in out:
            if (recipient.channel, recipient.key) not in seen:
                seen.add((recipient.channel, recipient.key))
                unique.append(recipient)
        return unique

    def _role(self, kind: str, why: str) -> list:
        return [(u, why) for u in self.holders(kind)]

    def owner(self, wanted: str, pupil_id: int):
        """The action plan's owner (see the module docstring), or None."""
        for kind in (wanted, "inclusion_manager", "head", "deputy"):
            if kind == "class_teacher":
                people = self.class_teachers.get(pupil_id, [])
            else:
                people = self.holders(kind)
            if people:
                return people[0]
        return None


def _unique(users) -> list:
    seen, out = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out

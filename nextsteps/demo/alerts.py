"""The demo's alerts, built last (after weekly reviews, support and interventions): the alert
sweep runs over every school of the trust as `nextsteps alerts run` would, raising what the
demo's history calls for (students at the hub deteriorating for four weeks or more, pupils off
track at a point already reached, tests disagreeing with teachers, pupils with nothing recorded
for weeks), each with its notices and action plan. No mail leaves the demo: the e-mail notices
are marked not to be sent.

Then some alerts are made history: about a third of each rule's alerts (at least one when a rule
raised two or more) were raised a few weeks ago and closed a week or two later by their plan's
owner with an outcome, so the pages show open and closed alerts side by side. Randomness comes
from its own generator, seeded from the demo seed, so adding this leaves the rest of the demo
unchanged."""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from nextsteps.alerts import rules, services
from nextsteps.alerts.models import Alert, Notice

OUTCOMES = {
    rules.RAG: (
        "Action plan agreed with the placing provider at a review meeting; mentoring twice a "
        "week. Back to Amber, then Green, over the following fortnight.",
        "Spoke with home and the provider; a reduced timetable for two weeks, then back to "
        "the full one. Ratings steady since.",
    ),
    rules.OFF_TRACK: (
        "Discussed at the pupil progress meeting: small-group sessions three times a week and "
        "the target kept. Reviewed at the next point.",
        "Gaps identified in place value; pre-teaching before each maths lesson agreed with the "
        "class teacher.",
    ),
    rules.TESTS: (
        "Moderated with the assessment leader: the teacher judgement stands; the test day was "
        "a bad day.",
        "Moderated: the judgement was raised to match the evidence in the books.",
    ),
    rules.QUIET: (
        "Evidence added from the reading records and the latest work in books.",
        "Judgements caught up after the pupil's absence.",
    ),
}


@dataclass
class Counts:
    raised: Counter = field(default_factory=Counter)
    closed: int = 0
    in_app: int = 0
    emails_held: int = 0
    plans: int = 0

    def line(self) -> str:
        if not self.raised:
            return "alerts: none raised"
        parts = ", ".join(
            f"{n} {rules.LABELS[rule].lower()}" for rule, n in sorted(self.raised.items())
        )
        return (
            f"alerts: {sum(self.raised.values())} raised ({parts}), {self.closed} closed with "
            f"an outcome, {self.plans} action plans, {self.in_app} notices in NextSteps, "
            f"{self.emails_held} e-mails held back (demo)"
        )


def build(trust, *, seed: int, today) -> Counts:
    schools = list(trust.schools.order_by("pk"))
    record = services.run(schools=schools, trigger="demo", today=today, send=False)
    alerts = list(Alert.objects.filter(run=record).select_related("plan__owner").order_by("pk"))
    counts = Counts(raised=Counter(a.rule for a in alerts))
    counts.emails_held = services.cancel_email(
        [a.pk for a in alerts], "Demo data: not sent (the addresses are made up)."
    )
    counts.in_app = Notice.objects.filter(alert__in=alerts, channel=Notice.Channel.IN_APP).count()
    counts.plans = sum(1 for a in alerts if a.plan_id)
    rng = random.Random(f"{seed}-alerts")
    by_rule = defaultdict(list)
    for alert in alerts:
        by_rule[alert.rule].append(alert)
    now = timezone.now()
    for rule, group in sorted(by_rule.items()):
        if len(group) < 2:
            continue
        for alert in rng.sample(group, max(1, len(group) // 3)):
            opened = now - timedelta(days=rng.randint(21, 42))
            closed = opened + timedelta(days=rng.randint(7, 14))
            owner = alert.plan.owner if alert.plan_id else None
            services.close_alert(
                alert,
                outcome=rng.choice(OUTCOMES[rule]),
                expected_version=alert.version,
                by=owner,
            )
            # History: when it was raised and closed, written as an import would load it.
            Alert.objects.filter(pk=alert.pk).update(opened_at=opened, closed_at=closed)
            Notice.objects.filter(alert=alert).update(created_at=opened)
            Notice.objects.filter(alert=alert, channel=Notice.Channel.IN_APP).update(
                sent_at=opened, read_at=opened + timedelta(days=1)
            )
            counts.closed += 1
    return counts

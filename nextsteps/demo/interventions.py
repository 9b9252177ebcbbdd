"""The demo's interventions, written after targets and tracking."""

from dataclasses import dataclass


@dataclass
class Counts:
    def line(self) -> str:
        return "interventions: none yet"


def build(trust, *, seed: int, today) -> Counts:
    return Counts()

"""Interventions and their impact: the JSON routes. Scoped as the /interventions/ pages are."""

from ninja import Router

router = Router(tags=["interventions"])

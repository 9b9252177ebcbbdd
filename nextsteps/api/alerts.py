"""Alerts and action plans: the JSON routes. Scoped as the /alerts/ pages are."""

from ninja import Router

router = Router(tags=["alerts"])

"""SEN register and support plans: the JSON routes. Scoped as the /support/ pages are."""

from ninja import Router

router = Router(tags=["support"])

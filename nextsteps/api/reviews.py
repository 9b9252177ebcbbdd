"""Weekly RAG reviews and provider updates: the JSON routes. Scoped as the /reviews/ pages are."""

from ninja import Router

router = Router(tags=["reviews"])

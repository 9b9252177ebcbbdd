"""Who may use each interventions API route (merged into nextsteps.api.routes.ROUTES)."""

from nextsteps.api.routes import Access, K, P, _perm  # noqa: F401

ROUTES: dict = {}

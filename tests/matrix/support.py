"""Page-matrix entries for the support pages."""

ROUTES: dict = {}

"""Page-matrix entries for the alerts pages."""

ROUTES: dict = {}

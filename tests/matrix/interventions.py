"""Page-matrix entries for the interventions pages."""

ROUTES: dict = {}

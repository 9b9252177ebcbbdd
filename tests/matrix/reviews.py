"""Page-matrix entries for the reviews pages."""

ROUTES: dict = {}

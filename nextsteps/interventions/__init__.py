"""Interventions and focus groups, entry and exit measures taken from the data already held, impact
against similar pupils, and the provision map."""

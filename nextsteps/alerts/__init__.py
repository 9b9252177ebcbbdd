"""Alert rules (written down, tunable per school), the idempotent sweep that raises alerts, tells
the right people once and opens action plans, and alert outcomes."""

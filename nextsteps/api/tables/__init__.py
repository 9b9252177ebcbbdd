"""Route-access tables kept beside their features: each module defines ROUTES in the shape of
nextsteps.api.routes.ROUTES, and routes.py merges them all (a route listed twice fails)."""

"""The JSON API at /api/v1/: one NinjaAPI with a router per domain. Every route needs a
personal API token or the signed-in browser session and acts with that user's permissions."""

from ninja import NinjaAPI

from . import (
    alerts,
    analysis,
    assessment,
    curriculum,
    docs,
    errors,
    interventions,
    lessons,
    people,
    providers,
    results,
    reviews,
    schools,
    support,
    tracking,
)
from .auth import session_auth, token_auth

api = NinjaAPI(
    title="NextSteps API",
    version="1",
    urls_namespace="api",
    description=(
        "Pupil assessment and tracking. Authenticate with a personal API token "
        "(`Authorization: Bearer ns_...`, from `nextsteps token create --user EMAIL`) or the "
        "signed-in browser session. Errors are JSON: "
        '`{"detail": "...", "errors": [{"field": "upn", "message": "..."}]}`. '
        "Pupil updates carry the `version` you read; a stale version gives 409."
    ),
    auth=[token_auth, session_auth],
    docs=docs.OfflineSwagger(),
)
errors.install(api)

api.add_router("", schools.router)
api.add_router("", people.router)
api.add_router("", providers.router)
api.add_router("", curriculum.router)
api.add_router("", assessment.router)
api.add_router("", lessons.router)
api.add_router("", results.router)
api.add_router("", tracking.router)
api.add_router("", analysis.router)
api.add_router("", reviews.router)
api.add_router("", support.router)
api.add_router("", alerts.router)
api.add_router("", interventions.router)


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")
def docs_asset(request, name: str):
    return docs.serve_asset(name)

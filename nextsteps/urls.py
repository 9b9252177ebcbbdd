from django.contrib import admin
from django.urls import include, path

from nextsteps.api.api import api
from nextsteps.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("assessment/", include("nextsteps.assessment.urls")),
    path("audit/", include("nextsteps.audit.urls")),
    path("curriculum/", include("nextsteps.curriculum.urls")),
    path("results/", include("nextsteps.results.urls")),
    path("tracking/", include("nextsteps.tracking.urls")),
    path("analysis/", include("nextsteps.analysis.urls")),
    path("reviews/", include("nextsteps.reviews.urls")),
    path("support/", include("nextsteps.support.urls")),
    path("alerts/", include("nextsteps.alerts.urls")),
    path("interventions/", include("nextsteps.interventions.urls")),
    path("data/", include("nextsteps.interop.urls")),
    path("my/", include("nextsteps.portal.urls")),
    path("", include("nextsteps.schools.urls")),
]

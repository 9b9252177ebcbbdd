from django.urls import include, path

app_name = "assessment"
# One module per area so that each can grow on its own.
urlpatterns = [
    path("markbook/", include("nextsteps.assessment.markbook_urls")),
    path("lessons/", include("nextsteps.assessment.lesson_urls")),
    path("points/", include("nextsteps.assessment.summary_urls")),
]

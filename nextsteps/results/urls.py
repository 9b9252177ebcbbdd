from django.urls import include, path

app_name = "results"
# One module per area so that each can grow on its own.
urlpatterns = [
    path("", include("nextsteps.results.manage_urls")),
    path("import/", include("nextsteps.results.import_urls")),
    path("compare/", include("nextsteps.results.compare_urls")),
]

from django.urls import path

from . import import_views as views

# Under /results/import/, in the "results" namespace.
urlpatterns = [
    path("sitting/<int:sitting_pk>/", views.upload, name="import_upload"),
    path("<int:pk>/columns/", views.columns, name="import_columns"),
    path("<int:pk>/", views.job_detail, name="import_job"),
    path("<int:pk>/progress/", views.job_progress, name="import_progress"),
    path("<int:pk>/choose/", views.choose, name="import_choose"),
    path("<int:pk>/check/", views.recheck, name="import_recheck"),
    path("<int:pk>/commit/", views.commit, name="import_commit"),
    path("<int:pk>/report/", views.report, name="import_report"),
]

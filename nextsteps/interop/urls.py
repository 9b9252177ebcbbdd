from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.upload, name="upload"),
    path("import/<int:pk>/columns/", views.mapping, name="mapping"),
    path("import/<int:pk>/", views.job_detail, name="job"),
    path("import/<int:pk>/progress/", views.job_progress, name="progress"),
    path("import/<int:pk>/check/", views.recheck, name="recheck"),
    path("import/<int:pk>/commit/", views.commit, name="commit"),
    path("import/<int:pk>/report/", views.report, name="report"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
    path("rollover/", views.rollover, name="rollover"),
]

from django.urls import path

from . import markbook

# Included under the "assessment" namespace at /assessment/markbook/.
urlpatterns = [
    path("", markbook.index, name="markbook"),
    path("class/<int:pk>/", markbook.class_grid, name="markbook_class"),
    path("group/<int:pk>/", markbook.group_grid, name="markbook_group"),
    path("save/", markbook.save, name="markbook_save"),
    path(
        "history/<int:pupil_pk>/<int:objective_pk>/",
        markbook.history,
        name="markbook_history",
    ),
    path(
        "working-stage/<int:pupil_pk>/<int:subject_pk>/",
        markbook.working_stage,
        name="markbook_working_stage",
    ),
]

"""/results/: definitions, sittings and the results grid (included under "results")."""

from django.urls import path

from . import grid, views

urlpatterns = [
    path("", views.index, name="index"),
    path("definitions/<int:pk>/", views.definition_detail, name="definition"),
    path("definitions/<int:pk>/edit/", views.definition_edit, name="definition_edit"),
    path("definitions/<int:pk>/norm-tables/new/", views.norm_table_upload, name="norm_upload"),
    path("definitions/<int:pk>/sittings/new/", views.sitting_create, name="sitting_create"),
    path("sittings/<int:pk>/", views.sitting_detail, name="sitting"),
    path("sittings/<int:pk>/edit/", views.sitting_edit, name="sitting_edit"),
    path("sittings/<int:pk>/class/<int:class_pk>/", grid.class_grid, name="grid_class"),
    path("sittings/<int:pk>/group/<int:group_pk>/", grid.group_grid, name="grid_group"),
    path("sittings/<int:pk>/save/", grid.save, name="save"),
]

"""Tests beside teacher judgement, under /results/compare/ (views in compare_views.py)."""

from django.urls import path

from . import compare_views as views

urlpatterns = [
    path("", views.compare_index, name="compare"),
    path("school/<int:pk>/", views.compare_school, name="compare_school"),
    path("year-group/<int:pk>/", views.compare_year_group, name="compare_year_group"),
    path("class/<int:pk>/", views.compare_class, name="compare_class"),
    path(
        "<str:kind>/<int:pk>/disagreements.csv",
        views.compare_export,
        name="compare_export",
    ),
]

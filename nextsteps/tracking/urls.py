from django.urls import path

from . import views

app_name = "tracking"
urlpatterns = [
    path("", views.index, name="index"),
    path("rule/", views.rule_page, name="rule"),
    path("class/<int:pk>/", views.class_on_track, name="class"),
    path("year-groups/<int:pk>/targets/", views.targets_bulk, name="targets_bulk"),
    path("pupils/<int:pk>/", views.pupil_page, name="pupil"),
    path("pupils/<int:pk>/summary/", views.pupil_summary, name="pupil_summary"),
    path("pupils/<int:pk>/target/", views.target_set, name="target_set"),
    path("pupils/<int:pk>/goals/add/", views.goal_add, name="goal_add"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("pupils/<int:pk>/milestones/add/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/", views.milestone_edit, name="milestone_edit"),
    path("staff/", views.staff_targets, name="staff_targets"),
    path("staff/<int:pk>/", views.staff_target_edit, name="staff_target_edit"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("summary/", views.governor_summary, name="governor_summary"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/staff/", views.class_staff, name="class_staff"),
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/new/", views.pupil_create, name="pupil_create"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pk>/edit/", views.pupil_edit, name="pupil_edit"),
    path(
        "pupils/<int:pk>/characteristics/", views.pupil_characteristic, name="pupil_characteristic"
    ),
    path("pupils/<int:pk>/contacts/new/", views.guardian_edit, name="guardian_create"),
    path("pupils/<int:pk>/contacts/<int:guardian_pk>/", views.guardian_edit, name="guardian_edit"),
    path("pupils/<int:pk>/placements/new/", views.placement_edit, name="placement_create"),
    path(
        "pupils/<int:pk>/placements/<int:placement_pk>/",
        views.placement_edit,
        name="placement_edit",
    ),
    path("school/", views.school_settings, name="school_settings"),
    path("staff/", views.staff_list, name="staff_list"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
]

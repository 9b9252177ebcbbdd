from django.urls import path

from . import views

app_name = "interventions"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("map/", views.provision_map, name="map"),
    path("map/export/<str:fmt>/", views.map_export, name="map_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/members/<int:pupil_pk>/leave/", views.member_leave, name="member_leave"),
    path("<int:pk>/measure/", views.remeasure, name="remeasure"),
    path("pupils/<int:pk>/", views.pupil_page, name="pupil"),
    path("pupils/<int:pk>/summary/", views.pupil_summary, name="pupil_summary"),
]

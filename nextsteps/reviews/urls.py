from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.index, name="index"),
    path("class/<int:pk>/", views.class_week, name="class_week"),
    path("group/<int:pk>/", views.group_week, name="group_week"),
    path("save/", views.save, name="save"),
    path("areas/", views.areas, name="areas"),
    path("areas/<int:pk>/", views.area_edit, name="area_edit"),
    path("areas/<int:pk>/move/", views.area_move, name="area_move"),
    path("pupils/<int:pk>/", views.pupil_history, name="pupil"),
    path("updates/", views.update_list, name="updates"),
    path("updates/<int:pk>/", views.update_detail, name="update"),
    path("updates/preview/<int:school_pk>/<int:provider_pk>/", views.preview, name="preview"),
    path("updates/send/<int:school_pk>/", views.send_now, name="send_now"),
    path("deliveries/<int:pk>/send-again/", views.send_again, name="send_again"),
]

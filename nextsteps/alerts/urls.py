from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/close/", views.close, name="close"),
    path("rules/", views.rules_page, name="rules"),
    path("rules/<int:pk>/run/", views.run_now, name="run"),
]

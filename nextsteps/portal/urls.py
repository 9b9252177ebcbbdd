from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.me, name="me"),
    path("children/<int:pk>/", views.child, name="child"),
]

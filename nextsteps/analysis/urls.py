from django.urls import path

from . import views

app_name = "analysis"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/<int:pk>/help/", views.help_list, name="help"),
    path("<str:kind>/<int:pk>/attainment/", views.attainment, name="attainment"),
    path(
        "<str:kind>/<int:pk>/attainment/pupils/", views.attainment_pupils, name="attainment_pupils"
    ),
    path("<str:kind>/<int:pk>/progress/", views.progress, name="progress"),
    path("<str:kind>/<int:pk>/progress/pupils/", views.transition_pupils, name="transition_pupils"),
    path("trust/<int:pk>/", views.trust, name="trust"),
    path("trust/<int:pk>/pupils/", views.trust_pupils, name="trust_pupils"),
]

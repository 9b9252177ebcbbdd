from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("plans/", views.plans, name="plans"),
    path("pupils/<int:pk>/sen/", views.sen_pupil, name="sen_pupil"),
    path("pupils/<int:pk>/summary/", views.pupil_summary, name="pupil_summary"),
    path("pupils/<int:pk>/sen/change/", views.sen_change, name="sen_change"),
    path("pupils/<int:pk>/needs/add/", views.need_add, name="need_add"),
    path("needs/<int:pk>/", views.need_edit, name="need_edit"),
    path("pupils/<int:pk>/plans/", views.pupil_plans, name="pupil_plans"),
    path("pupils/<int:pk>/plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("plans/<int:pk>/targets/add/", views.target_add, name="target_add"),
    path("targets/<int:pk>/", views.target_edit, name="target_edit"),
    path("plans/<int:pk>/provision/add/", views.provision_add, name="provision_add"),
    path("provision/<int:pk>/", views.provision_edit, name="provision_edit"),
    path("plans/<int:pk>/review/", views.review_add, name="review_add"),
]

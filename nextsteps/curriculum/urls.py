from django.urls import path

from . import views

app_name = "curriculum"
urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/", views.framework_detail, name="framework_detail"),
    path("<int:pk>/adopt/", views.adopt, name="adopt"),
    path("<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("<int:pk>/copy/", views.framework_copy, name="framework_copy"),
    path("<int:pk>/objectives/add/", views.objective_add, name="objective_add"),
    path("<int:pk>/export/<str:fmt>/", views.export, name="export"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/move/", views.objective_move, name="objective_move"),
    path("objectives/<int:pk>/retire/", views.objective_retire, name="objective_retire"),
    path("objectives/<int:pk>/restore/", views.objective_restore, name="objective_restore"),
]

from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.certification_list, name="certification-list"),
    path("certifications/<str:code>/", views.certification_detail, name="certification-detail"),
    path("import/", views.import_upload, name="import-upload"),
    path("import/<uuid:pk>/", views.import_preview, name="import-preview"),
    path("import/<uuid:pk>/discard/", views.import_discard, name="import-discard"),
]

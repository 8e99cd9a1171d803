from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from certiflow.api.api import api
from certiflow.web.views import switch_language

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", switch_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("certiflow.web.urls")),
]

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "certiflow.web"
    label = "web"

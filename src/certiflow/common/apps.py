from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "certiflow.common"
    label = "common"
    verbose_name = "certiflow"

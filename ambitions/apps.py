from django.apps import AppConfig


class AmbitionsConfig(AppConfig):
    name = "ambitions"
    verbose_name = "Ambitions"

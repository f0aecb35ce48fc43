from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The read API and the open data: they read every domain app, and nothing imports them."""

    name = "api"
    verbose_name = "Read API and open data"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from api import schema, versions  # noqa: F401 (schema registers the token's security scheme)

        for model in {*versions.without_history(versions.ACTIONS + versions.MEASURES + versions.CONTRACTS)}:
            post_save.connect(versions.record_edit, sender=model, dispatch_uid=f"api-edit-{model.__name__}")
            post_delete.connect(versions.record_edit, sender=model, dispatch_uid=f"api-del-{model.__name__}")

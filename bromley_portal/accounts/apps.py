from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "bromley_portal.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self):
        from bromley_portal.accounts.services import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "revoyure.webhooks"
    label = "webhooks"
    verbose_name = _("Outgoing webhooks")

    def ready(self) -> None:
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.webhooks import signals, tasks  # noqa: F401  (hooks, the delivery task and its job)

        signals.connect()  # idempotent: the module connects on import, this covers a re-run of ready()
        register(MenuEntry(_("Webhooks"), "webhooks:list", Perm.MANAGE_WEBHOOKS, 135))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "revoyure.webhooks"
    label = "webhooks"
    verbose_name = _("Outgoing webhooks")

    def ready(self) -> None:
        from revoyure.webhooks import signals, tasks  # noqa: F401  (hooks and the delivery task)

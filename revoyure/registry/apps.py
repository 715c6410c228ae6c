from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from revoyure.core.navigation import MenuEntry, register
from revoyure.core.permissions import Perm


class RegistryConfig(AppConfig):
    name = "revoyure.registry"
    label = "registry"

    def ready(self) -> None:
        register(MenuEntry(_("Register"), "registry:tool_list", Perm.VIEW_REGISTER, 10))
        register(MenuEntry(_("Vendors"), "registry:vendor_list", Perm.VIEW_REGISTER, 20))
        register(MenuEntry(_("Import / export"), "registry_data:export", Perm.EXPORT_REGISTER, 25))
        register(MenuEntry(_("Transparency"), "registry:transparency", Perm.VIEW_TRANSPARENCY, 30))

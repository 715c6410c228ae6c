from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from revoyure.core.navigation import MenuEntry, register
from revoyure.core.permissions import Perm


class OrganisationsConfig(AppConfig):
    name = "revoyure.organisations"
    label = "organisations"

    def ready(self) -> None:
        register(MenuEntry(_("Organisation"), "organisations:settings", Perm.VIEW_REGISTER, 100))
        register(MenuEntry(_("Members"), "organisations:members", Perm.MANAGE_MEMBERS, 110))
        register(MenuEntry(_("Audit log"), "organisations:audit_log", Perm.VIEW_AUDIT, 120))
        register(MenuEntry(_("API tokens"), "organisations:api_tokens", Perm.MANAGE_TOKENS, 130))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "revoyure.qualification"
    label = "qualification"
    verbose_name = _("Qualification and obligations")

    def ready(self) -> None:
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.qualification import demo, services
        from revoyure.qualification.rules import rule_set
        from revoyure.registry.services import STATUS_GATES

        # A broken rule file stops the start here, with the file, the rule and the problem named.
        rule_set()
        register(MenuEntry(_("Obligations"), "qualification:dashboard", Perm.VIEW_OBLIGATIONS, 15))
        STATUS_GATES.append(services.prohibited_practice_gate)
        hooks.tool_changed.append(services.on_tool_changed)
        hooks.organisation_changed.append(services.on_organisation_changed)
        hooks.tools_imported.append(services.on_organisation_changed)
        hooks.demo_seeded.append(demo.seed_demo_qualification)

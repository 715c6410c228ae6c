from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "revoyure.qualification"
    label = "qualification"
    verbose_name = _("Qualification and obligations")

    def ready(self) -> None:
        from revoyure.assessments.loading import OTHER_DEFINITIONS
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.qualification import demo, services
        from revoyure.qualification.rules import rule_set
        from revoyure.registry.services import STATUS_GATES

        # A broken rule or questionnaire file stops the start here, with the file, the rule or question
        # and the problem named (the questionnaire is loaded and checked when its module is imported).
        rule_set()
        from revoyure.qualification import questionnaire

        register(MenuEntry(_("Obligations"), "qualification:dashboard", Perm.VIEW_OBLIGATIONS, 15))
        STATUS_GATES.append(services.prohibited_practice_gate)
        hooks.tool_changed.append(services.on_tool_changed)
        hooks.organisation_changed.append(services.on_organisation_changed)
        hooks.tools_imported.append(services.on_organisation_changed)
        hooks.demo_seeded.append(demo.seed_demo_qualification)
        # The questionnaire is a definition of the questionnaire engine, registered with its files after
        # every migrate and by `sync_questionnaires` as the "qualification" definition.
        OTHER_DEFINITIONS.append(lambda: [questionnaire.DEFINITION])

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_questionnaire(sender: AppConfig, **kwargs: Any) -> None:
    # The qualification questionnaire is a definition of the questionnaire engine: registered as a
    # `QuestionnaireDefinition` ("qualification") after every migrate, like the files of assessments.
    from revoyure.assessments.models import QuestionnaireDefinition
    from revoyure.assessments.services import sync_definitions
    from revoyure.qualification.questionnaire import DEFINITION

    using = kwargs.get("using", "default")
    if QuestionnaireDefinition._meta.db_table not in connections[using].introspection.table_names():
        return  # the questionnaire tables are not migrated (yet)
    sync_definitions([DEFINITION], using=using)


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

        # A broken rule or questionnaire file stops the start here, with the file, the rule or question
        # and the problem named (the questionnaire is loaded and checked when its module is imported).
        rule_set()
        from revoyure.qualification import questionnaire  # noqa: F401

        register(MenuEntry(_("Obligations"), "qualification:dashboard", Perm.VIEW_OBLIGATIONS, 15))
        STATUS_GATES.append(services.prohibited_practice_gate)
        hooks.tool_changed.append(services.on_tool_changed)
        hooks.organisation_changed.append(services.on_organisation_changed)
        hooks.tools_imported.append(services.on_organisation_changed)
        hooks.demo_seeded.append(demo.seed_demo_qualification)
        post_migrate.connect(
            _sync_questionnaire, sender=self, dispatch_uid="qualification-sync-questionnaire"
        )

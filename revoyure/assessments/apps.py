from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Registering the shipped definitions after every migrate keeps the DB rows in step with the files
    # without a separate deployment step; `sync_definitions` is idempotent.
    from revoyure.assessments.services import sync_definitions

    sync_definitions(using=kwargs.get("using", "default"))


class AssessmentsConfig(AppConfig):
    name = "revoyure.assessments"
    label = "assessments"
    verbose_name = _("Questionnaires and assessments")

    def ready(self) -> None:
        from revoyure.assessments.loading import shipped_definitions
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm

        register(MenuEntry(_("Questionnaires"), "assessments:response_list", Perm.VIEW_STUDIES, 45))

        # A broken definition file stops the start here, with the file and question named.
        shipped_definitions()
        post_migrate.connect(_sync_after_migrate, sender=self, dispatch_uid="assessments-sync-definitions")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "revoyure.studies"
    label = "studies"
    verbose_name = _("Impact studies")

    def ready(self) -> None:
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.studies import demo
        from revoyure.studies.feeds import feeds

        # A broken feeds.yaml stops the start here, with the entry and the problem named.
        feeds()
        register(MenuEntry(_("Impact studies"), "studies:list", Perm.VIEW_STUDIES, 18))
        if demo.seed_demo_studies not in hooks.demo_seeded:
            hooks.demo_seeded.append(demo.seed_demo_studies)
        # The DUERP reminder job is registered in studies/tasks.py, which `core.scheduling.discover()` imports.

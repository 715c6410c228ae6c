from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    name = "revoyure.committee"
    label = "committee"
    verbose_name = _("AI committee and trainings")

    def ready(self) -> None:
        from revoyure.committee import demo, tasks  # noqa: F401  (tasks registers the daily job)
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm

        register(MenuEntry(_("AI committee"), "committee:home", Perm.VIEW_COMMITTEE, 35))
        # « Cette réunion fait l'objet d'une communication partagée avec l'ensemble des collaborateurs. »
        register(MenuEntry(_("Committee news"), "committee:communications", Perm.VIEW_TRANSPARENCY, 36))
        register(MenuEntry(_("Trainings"), "committee:training_list", Perm.VIEW_TRAININGS, 50))
        if demo.seed_demo_committee not in hooks.demo_seeded:
            hooks.demo_seeded.append(demo.seed_demo_committee)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "revoyure.consultations"
    label = "consultations"
    verbose_name = _("Consultations of the staff bodies")

    def ready(self) -> None:
        from revoyure.consultations import demo, gate
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.registry.services import STATUS_GATES

        register(MenuEntry(_("Consultations"), "consultations:list", Perm.VIEW_CONSULTATIONS, 25))
        if gate.consultation_gate not in STATUS_GATES:
            STATUS_GATES.append(gate.consultation_gate)
        if demo.seed_demo_consultation not in hooks.demo_seeded:
            hooks.demo_seeded.append(demo.seed_demo_consultation)

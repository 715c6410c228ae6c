from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "revoyure.reports"
    label = "reports"
    verbose_name = _("Staff reports")

    def ready(self) -> None:
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.reports import demo, services

        register(MenuEntry(_("Staff reports"), "reports:case_list", Perm.INSTRUCT_REPORTS, 60))
        # Every member can report a problem with a tool (issue 5 §3), anonymously if they wish.
        register(MenuEntry(_("Report a problem"), "reports:report_new", Perm.SUBMIT_REPORT, 70))
        if services.annual_section not in hooks.annual_dossier_sections:
            hooks.annual_dossier_sections.append(services.annual_section)
        if demo.seed_demo_reports not in hooks.demo_seeded:
            hooks.demo_seeded.append(demo.seed_demo_reports)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "revoyure.reviews"
    label = "reviews"
    verbose_name = _("Review clauses and review meetings")

    def ready(self) -> None:
        from revoyure.core import hooks
        from revoyure.core.navigation import MenuEntry, register
        from revoyure.core.permissions import Perm
        from revoyure.reviews import demo, signals, tasks, triggers  # noqa: F401  (jobs, subscriptions)

        triggers.load()  # a broken triggers.yaml stops the start with the file and the problem
        register(MenuEntry(_("Review meetings"), "reviews:home", Perm.VIEW_REVIEWS, 37))
        if demo.seed_demo_reviews not in hooks.demo_seeded:
            hooks.demo_seeded.append(demo.seed_demo_reviews)

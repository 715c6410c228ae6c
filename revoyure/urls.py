from django.urls import include, path

from revoyure.api import api
from revoyure.core import views as core_views
from revoyure.organisations import views as organisation_views

urlpatterns = [
    path("", organisation_views.home, name="home"),
    path("ping/", core_views.ping, name="ping"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("revoyure.accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("revoyure.organisations.urls")),
    path("", include("revoyure.registry.urls")),
    path("", include("revoyure.registry.urls_data")),
    path("", include("revoyure.qualification.urls")),
    path("", include("revoyure.qualification.urls_feed")),
    path("", include("revoyure.assessments.urls")),
    path("", include("revoyure.studies.urls")),
    path("", include("revoyure.consultations.urls")),
    path("", include("revoyure.committee.urls")),
    path("", include("revoyure.reports.urls")),
    path("", include("revoyure.reviews.urls")),
    path("", include("revoyure.webhooks.urls")),
]

handler400 = "revoyure.core.views.bad_request"
handler403 = "revoyure.core.views.permission_denied"
handler404 = "revoyure.core.views.page_not_found"
handler500 = "revoyure.core.views.server_error"

from django.urls import path  # noqa: F401

from revoyure.committee import urls_trainings

app_name = "committee"

# The committee, its meetings, dossier and communications (urls_committee would be its own module if this
# grows); the trainings are routed in urls_trainings.
urlpatterns: list = [*urls_trainings.urlpatterns]

from revoyure.reports import urls_case, urls_intake

app_name = "reports"

# Intake (report form, public link, follow-up by code) and the case workflow, in two modules.
urlpatterns: list = [*urls_intake.urlpatterns, *urls_case.urlpatterns]

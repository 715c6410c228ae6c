"""The case workflow of a staff report, for the committee and the delegate."""

urlpatterns: list = []

"""Report intake: the form for members, the public link, the anonymous follow-up."""

urlpatterns: list = []

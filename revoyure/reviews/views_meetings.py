from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context


@login_required
def home(request: HttpRequest, org: str) -> HttpResponse:
    org_context(request, org, Perm.VIEW_REVIEWS)
    return HttpResponse("")

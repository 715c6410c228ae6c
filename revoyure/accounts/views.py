"""Login (rate-limited) and password reset by e-mail, on Django's own views.

Invalid forms answer with HTTP 400, and too many attempts with 429 (the rate limit's own exception would
be a 403 without a middleware, which would tell people they lack a right rather than to wait).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

from revoyure.accounts.forms import EmailAuthenticationForm
from revoyure.core.views import ratelimited


class _BadRequestOnInvalidForm:
    def form_invalid(self, form: Form) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


def _too_many(request: HttpRequest) -> bool:
    return bool(getattr(request, "limited", False))


@method_decorator(ratelimit(key="ip", rate="10/m", method="POST", block=False), name="post")
@method_decorator(ratelimit(key="post:username", rate="10/m", method="POST", block=False), name="post")
class LoginView(_BadRequestOnInvalidForm, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _too_many(request):
            return ratelimited(request)
        return super().post(request, *args, **kwargs)


@method_decorator(ratelimit(key="ip", rate="5/m", method="POST", block=False), name="post")
class PasswordResetView(_BadRequestOnInvalidForm, auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _too_many(request):
            return ratelimited(request)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(_BadRequestOnInvalidForm, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

"""What django-axes answers once a username + address pair is locked out of the admin login."""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import site
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.api_errors import API_PREFIXES, error_response


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return _(
        "로그인에 %(n)d번 실패하여 %(minutes)d분 동안 로그인할 수 없습니다. "
        "잠시 후 다시 시도하거나 관리자에게 문의하세요."
    ) % {"n": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: the admin login page with the message in Korean, or (an API path)
    the error shape."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith(API_PREFIXES):
        return error_response(
            429, lockout_message(), code="LOGIN_LOCKED", headers={"Retry-After": retry_after}
        )
    # An unbound form carrying the message: validating it would ask axes again.
    form = AdminAuthenticationForm(request, initial={"username": request.POST.get("username")})
    form._errors = ErrorDict(
        {NON_FIELD_ERRORS: form.error_class([lockout_message()], error_class="nonfield")}
    )
    context = {
        **site.each_context(request),
        "title": _("로그인"),
        "form": form,
        "app_path": request.get_full_path(),
        "username": request.POST.get("username", ""),
    }
    response = TemplateResponse(request, "admin/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response.render()  # answered from AxesMiddleware, past the view's rendering

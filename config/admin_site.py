"""The admin site: signed in through allauth's sign-in, with its rate limits and second
factor, and opened to managers and staff only once they have a second factor."""

from functools import wraps

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.utils.decorators import method_decorator

from occupancy.roles import second_factor_enrolment, second_factor_missing


class FoyerAdminSite(admin.AdminSite):
    @method_decorator(secure_admin_login)
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)
        if view == self.logout:
            return checked

        @wraps(checked)
        def inner(request, *args, **kwargs):
            if second_factor_missing(request.user):
                return second_factor_enrolment(request)
            return checked(request, *args, **kwargs)

        return inner

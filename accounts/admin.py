from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin as OtpStaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OtpTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ScimIdentity, Team, TeamMembership, User
from accounts.services import USER_AUDIT_FIELDS, _roles_snapshot, _team_snapshot
from riskdesk.admin import AuditedModelAdmin
from riskdesk.audit import audit_record, snapshot


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    audit_noun = "user"
    ordering = ["display_name"]
    list_display = ["email", "display_name", "employment_status", "is_active", "is_staff"]
    list_filter = ["employment_status", "is_active", "is_staff", "groups"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["display_name", "manager"]}),
        (_("Employment"), {"fields": ["employment_status", "departed_at"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})
    ]
    filter_horizontal = ["groups"]

    def audit_snapshot(self, obj) -> dict:
        obj.__dict__.pop("_roles_cache", None)
        return snapshot(obj, [*USER_AUDIT_FIELDS, "is_staff", "is_superuser", "groups"]) | {
            "roles": _roles_snapshot(obj)
        }

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit_record(
                    actor=request.user,
                    verb="user.admin_password_change",
                    target=User.objects.get(pk=id),
                )
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin, DjangoGroupAdmin):
    """Roles are groups: who changes what they may do is recorded."""

    audit_noun = "group"

    def audit_snapshot(self, obj) -> dict:
        perms = obj.permissions.values_list("content_type__app_label", "codename")
        return {"name": obj.name, "permissions": sorted(f"{app}.{code}" for app, code in perms)}


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    audit_noun = "team"
    list_display = ["name", "kind", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamMembershipInline]

    def audit_snapshot(self, obj) -> dict:
        return _team_snapshot(obj)


class ScimIdentityForm(forms.ModelForm):
    class Meta:
        model = ScimIdentity
        fields = ["provider", "user", "external_id"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is not None and user.has_admin_rights:
            raise forms.ValidationError(_("People with admin rights cannot be managed over SCIM."))
        return user


@admin.register(ScimIdentity)
class ScimIdentityAdmin(AuditedModelAdmin):
    """Links a person who was in riskdesk first to the identity provider that will manage them."""

    audit_noun = "scim_identity"
    audit_fields = ["provider", "user", "external_id"]
    form = ScimIdentityForm
    list_display = ["user", "provider", "external_id"]
    list_filter = ["provider"]
    search_fields = ["user__email", "external_id"]
    autocomplete_fields = ["user"]


# Second factors are part of a person's access: changing them in the admin is recorded.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedModelAdmin, OtpTOTPDeviceAdmin):
    audit_noun = "two_factor_device"
    audit_fields = ["user", "name", "confirmed"]


@admin.register(StaticDevice)
class StaticDeviceAdmin(AuditedModelAdmin, OtpStaticDeviceAdmin):
    audit_noun = "two_factor_device"
    audit_fields = ["user", "name", "confirmed"]


# DRF's clear-text tokens no longer authenticate anyone (accounts.ApiToken does): the admin
# must not make new ones.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)

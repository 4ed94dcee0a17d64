"""System admin (superusers only): accounts, the role × action table, API tokens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from capuyso.accounts import services
from capuyso.accounts.models import ApiToken, RolePermission, User
from capuyso.core.text import fold


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "committee", "is_active", "is_superuser")
    list_filter = ("is_active", "is_superuser", "committee")
    list_select_related = ("committee",)
    search_fields = ("username", "full_name", "email", "phone")
    ordering = ("full_name", "username")
    raw_id_fields = ("committee", "member")
    readonly_fields = ("last_login", "date_joined", "failed_logins", "session_generation")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email", "committee", "member")}),
        (
            _("Security"),
            {
                "fields": (
                    "is_active",
                    "must_change_password",
                    "locked_until",
                    "failed_logins",
                    "session_generation",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        (_("System administration"), {"fields": ("is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "committee", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        obj.full_name_folded = fold(obj.full_name)
        super().save_model(request, obj, form, change)


@admin.register(RolePermission)
class RolePermissionAdmin(admin.ModelAdmin):
    list_display = ("role", "action")
    list_filter = ("role", "action")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.role_permission_recorded(actor=request.user, permission=obj, granted=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.role_permission_recorded(actor=request.user, permission=obj, granted=False)

    def delete_queryset(self, request, queryset):
        removed = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in removed:
            services.role_permission_recorded(actor=request.user, permission=obj, granted=False)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "user__username", "name")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        # The raw value must be shown once: use the profile page or `create_api_token`.
        return False

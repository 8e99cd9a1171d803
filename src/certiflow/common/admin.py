from django.contrib import admin

from .models import AuditLogEntry


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin screens for reference data (providers, roles…): every save and delete is written to the
    audit log with the fields that changed, in the same transaction as the change."""

    def save_model(self, request, obj, form, change):
        from certiflow.common.domain import audit

        before = {}
        if change and obj.pk:
            stored = type(obj)._default_manager.filter(pk=obj.pk).values(*form.changed_data).first() or {}
            before = {k: str(v) for k, v in stored.items() if k in form.changed_data}
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            obj=obj,
            changes={k: [before.get(k), str(form.cleaned_data.get(k))] for k in form.changed_data},
        )

    def delete_model(self, request, obj):
        from certiflow.common.domain import audit

        audit.record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records that change only through the domain (and its audit): shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

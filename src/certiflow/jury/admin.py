from django.contrib import admin

from certiflow.common.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from certiflow.common.domain import audit

from .models import CompositionRule, Decision, Deliberation, Equivalence, RequiredRole, ValidatedBlock


class RequiredRoleInline(admin.TabularInline):
    model = RequiredRole
    extra = 0


@admin.register(CompositionRule)
class CompositionRuleAdmin(AuditedModelAdmin):
    """Where the certifier sets a rule the fiche does not state clearly (the engine never guesses)."""

    list_display = ["access_route", "members", "min_professional_ratio", "parity_checked", "source"]
    list_select_related = ["access_route__certification"]
    readonly_fields = ["source"]
    inlines = [RequiredRoleInline]

    def save_model(self, request, obj, form, change):
        obj.source = CompositionRule.Source.USER
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit.record(
                actor=request.user,
                action="admin.change_roles",
                obj=form.instance,
                changes={"roles": [[r.role, r.count, r.label] for r in form.instance.required_roles.all()]},
            )


@admin.register(Deliberation)
class DeliberationAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "session", "meets_on", "status", "rectifies"]
    list_filter = ["status"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyModelAdmin):
    list_display = ["enrolment", "deliberation", "proposed_result", "result"]
    list_filter = ["result"]
    list_select_related = ["enrolment__candidate", "enrolment__framework__certification", "deliberation"]


@admin.register(ValidatedBlock)
class ValidatedBlockAdmin(ReadOnlyModelAdmin):
    list_display = ["candidate", "block", "source", "obtained_on", "valid_until", "revoked_by"]
    list_select_related = ["candidate", "block", "revoked_by"]


@admin.register(Equivalence)
class EquivalenceAdmin(ReadOnlyModelAdmin):
    list_display = ["enrolment", "block", "kind", "status", "decided_in"]
    list_filter = ["kind", "status"]

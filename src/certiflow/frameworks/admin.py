"""Admin screens: the registry as data. Frameworks are read-only here, because a version is never
overwritten; corrections arrive as a new version through the import."""

from django.contrib import admin

from certiflow.common.admin import AuditedModelAdmin

from .models import (
    AccessRoute,
    Activity,
    Assessment,
    Block,
    Certification,
    Certifier,
    Competency,
    Correspondence,
    Criterion,
    Framework,
    StatisticsRow,
)


class AccessRouteInline(admin.TabularInline):
    model = AccessRoute
    extra = 0


class StatisticsInline(admin.TabularInline):
    model = StatisticsRow
    extra = 0


@admin.register(Certifier)
class CertifierAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "commercial_name", "website"]
    search_fields = ["name", "siret", "commercial_name"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "valid_until"]
    search_fields = ["code", "title"]
    list_filter = ["level"]
    filter_horizontal = ["certifiers"]
    inlines = [AccessRouteInline, StatisticsInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["certification", "version", "ordinal", "source_layout", "source_name", "imported_at"]
    list_filter = ["source_layout"]
    search_fields = ["certification__code", "title"]


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "framework"]
    list_select_related = ["framework__certification"]
    search_fields = ["code", "title"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["code", "text", "block", "framework"]
    list_select_related = ["block", "framework__certification"]
    search_fields = ["code", "text"]


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "text", "block", "framework"]
    list_select_related = ["block", "framework__certification"]
    search_fields = ["code", "text"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "kind", "individual", "block", "framework"]
    list_select_related = ["block", "framework__certification"]
    list_filter = ["kind"]
    search_fields = ["code", "title"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ["code", "text", "assessment", "framework"]
    list_select_related = ["assessment", "framework__certification"]
    search_fields = ["code", "text"]


@admin.register(Correspondence)
class CorrespondenceAdmin(AuditedModelAdmin):
    """The correspondence table between blocs of different certifications or versions (DESIGN rule 3),
    entered from the document that states it."""

    list_display = ["from_block", "to_block", "source"]
    list_select_related = ["from_block__framework__certification", "to_block__framework__certification"]
    autocomplete_fields = ["from_block", "to_block"]

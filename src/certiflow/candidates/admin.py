"""Admin screens for the certifier's reference data. Accommodations are deliberately absent: their
medical details are for the disability referent alone (DESIGN rule 5), and staff are not referents."""

from django.contrib import admin

from certiflow.common.admin import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import (
    Candidate,
    Cohort,
    ConflictOfInterest,
    Enrolment,
    Provider,
    ProviderAuthorisation,
    RoleGrant,
)


@admin.register(Provider)
class ProviderAdmin(AuditedModelAdmin):
    list_display = ["name", "siret", "city"]
    search_fields = ["name", "siret"]


@admin.register(ProviderAuthorisation)
class ProviderAuthorisationAdmin(AuditedModelAdmin):
    list_display = ["provider", "certification", "starts_on", "ends_on"]
    list_filter = ["certification"]


@admin.register(Cohort)
class CohortAdmin(AuditedModelAdmin):
    list_display = ["name", "provider", "certification", "starts_on", "ends_on"]
    list_filter = ["provider", "certification"]


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedModelAdmin):
    list_display = ["user", "role", "provider"]
    list_filter = ["role"]
    search_fields = ["user__username"]


@admin.register(Candidate)
class CandidateAdmin(AuditedModelAdmin):
    list_display = ["last_name", "first_name", "email", "reference", "user"]
    search_fields = ["last_name", "first_name", "email", "reference"]
    raw_id_fields = ["user"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyModelAdmin):
    list_display = ["candidate", "framework", "access_route", "provider", "status"]
    list_filter = ["status", "provider"]
    search_fields = ["candidate__last_name", "candidate__email"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyModelAdmin):
    list_display = ["person", "candidate", "nature", "declared_by", "declared_at"]

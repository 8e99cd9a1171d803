"""Read-only views of delivered credentials, keys and batches: every change goes through the domain
(issuing, revoking, ``certiflow credentials rotate-key``), which checks and audits it."""

from django.contrib import admin

from certiflow.common.admin import ReadOnlyModelAdmin

from .models import IssuanceBatch, IssuedCredential, IssuerKey, StatusList


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyModelAdmin):
    list_display = ["certifier", "public_key_multibase", "status", "created_at", "retired_at"]
    list_filter = ["status", "certifier"]
    # The encrypted private key is never shown, not even encrypted.
    exclude = ["encrypted_private_key"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "key", "length", "updated_at"]
    exclude = ["bits"]


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "kind", "candidate", "issued_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["candidate"]
    search_fields = ["pk", "candidate__last_name", "candidate__email"]
    exclude = ["pdf"]


@admin.register(IssuanceBatch)
class IssuanceBatchAdmin(ReadOnlyModelAdmin):
    list_display = ["deliberation", "status", "done", "total", "issued", "created_at", "finished_at"]
    list_select_related = ["deliberation"]

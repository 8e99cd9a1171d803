from django.urls import path

from . import views
from .views import candidates, credentials, grading, jury, portal, roster, sessions

app_name = "web"

urlpatterns = [
    path("", portal.home, name="home"),
    path("certifications/", views.certification_list, name="certification-list"),
    path("certifications/<str:code>/", views.certification_detail, name="certification-detail"),
    path("import/", views.import_upload, name="import-upload"),
    path("import/<uuid:pk>/", views.import_preview, name="import-preview"),
    path("import/<uuid:pk>/discard/", views.import_discard, name="import-discard"),
    # Candidates
    path("candidates/", candidates.enrolment_list, name="enrolment-list"),
    path("candidates/import/", roster.roster_import, name="roster-import"),
    path("candidates/import/<str:token>/", roster.roster_preview, name="roster-preview"),
    path("candidates/<int:pk>/", candidates.enrolment_detail, name="enrolment-detail"),
    path("candidates/<int:pk>/prerequisites/", candidates.prerequisite_record, name="prerequisite-record"),
    path(
        "candidates/<int:pk>/prerequisites/<int:evidence_pk>/verify/",
        candidates.prerequisite_verify,
        name="prerequisite-verify",
    ),
    path(
        "candidates/<int:pk>/accommodations/new/", candidates.accommodation_edit, name="accommodation-create"
    ),
    path(
        "candidates/<int:pk>/accommodations/<int:accommodation_pk>/",
        candidates.accommodation_edit,
        name="accommodation-edit",
    ),
    path("candidates/<int:pk>/exemptions/new/", candidates.exemption_propose, name="exemption-propose"),
    path("candidates/<int:pk>/conflicts/new/", candidates.conflict_declare, name="conflict-declare"),
    # Sessions
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/publish/", sessions.session_publish, name="session-publish"),
    path("sessions/<int:pk>/schedule/", sessions.session_schedule, name="session-schedule"),
    path("sessions/<int:pk>/scheduled/<int:scheduled_pk>/seat/", sessions.session_seat, name="session-seat"),
    path(
        "sessions/<int:pk>/scheduled/<int:scheduled_pk>/group/", sessions.session_group, name="session-group"
    ),
    path(
        "sessions/<int:pk>/assign/<str:kind>/<int:target_pk>/", sessions.session_assign, name="session-assign"
    ),
    # Grading
    path("grading/", grading.assignment_list, name="assignment-list"),
    path("grading/<int:pk>/", grading.grading_grid, name="grading-grid"),
    path("grading/<int:pk>/criteria/<int:criterion_pk>/", grading.criterion_save, name="criterion-save"),
    path("grading/<int:pk>/submit/", grading.grid_submit, name="grid-submit"),
    path("grading/<int:pk>/reopen/", grading.grid_reopen, name="grid-reopen"),
    path("grading/<int:pk>/evidence/", grading.evidence_add, name="evidence-add"),
    path("grading/<int:pk>/evidence/<int:evidence_pk>/", grading.evidence_download, name="evidence-download"),
    path(
        "grading/<int:pk>/evidence/<int:evidence_pk>/remove/", grading.evidence_remove, name="evidence-remove"
    ),
    path("double-marking/<str:kind>/<int:pk>/", grading.double_marking, name="double-marking"),
    # Juries and deliberations
    path("deliberations/", jury.deliberation_list, name="deliberation-list"),
    path("sessions/<int:pk>/deliberations/new/", jury.deliberation_create, name="deliberation-create"),
    path("deliberations/<int:pk>/", jury.deliberation_detail, name="deliberation-detail"),
    path("deliberations/<int:pk>/members/", jury.member_add, name="deliberation-member-add"),
    path(
        "deliberations/<int:pk>/members/<int:member_pk>/remove/",
        jury.member_remove,
        name="deliberation-member-remove",
    ),
    path("deliberations/<int:pk>/open/", jury.deliberation_open, name="deliberation-open"),
    path("deliberations/<int:pk>/board/", jury.deliberation_board, name="deliberation-board"),
    path(
        "deliberations/<int:pk>/decisions/<int:decision_pk>/",
        jury.decision_detail,
        name="deliberation-decision",
    ),
    path(
        "deliberations/<int:pk>/decisions/<int:decision_pk>/exemptions/<int:proposal_pk>/",
        jury.exemption_rule,
        name="deliberation-exemption-rule",
    ),
    path(
        "deliberations/<int:pk>/decisions/<int:decision_pk>/equivalences/<int:equivalence_pk>/",
        jury.equivalence_rule,
        name="deliberation-equivalence-rule",
    ),
    path(
        "deliberations/<int:pk>/decisions/<int:decision_pk>/equivalences/<int:equivalence_pk>/document/",
        jury.equivalence_document,
        name="deliberation-equivalence-document",
    ),
    path("deliberations/<int:pk>/close/", jury.deliberation_close, name="deliberation-close"),
    path("deliberations/<int:pk>/confirm/", jury.deliberation_confirm, name="deliberation-confirm"),
    path("deliberations/<int:pk>/minutes.pdf", jury.deliberation_minutes, name="deliberation-minutes"),
    path("deliberations/<int:pk>/rectify/", jury.deliberation_rectify, name="deliberation-rectify"),
    path("candidates/<int:pk>/equivalences/new/", jury.equivalence_present, name="equivalence-present"),
    # Candidate portal and audit
    path("me/", portal.portal, name="portal"),
    path("audit/<str:object_type>/<str:object_id>/", portal.audit_log, name="audit-log"),
    # Credentials
    path("verify/", credentials.verify, name="verify"),
    path("verify/<uuid:credential_id>/", credentials.verify_stored, name="verify-stored"),
    path(
        "verify/<uuid:credential_id>/credential.json",
        credentials.verify_stored_json,
        name="verify-stored-json",
    ),
    path("credentials/status/<int:pk>", credentials.status_list, name="status-list"),
    path("certifiers/<int:pk>/did.json", credentials.did_document, name="did-document"),
    path("achievements/<str:code>/<str:version>/", credentials.achievement, name="achievement"),
    path(
        "achievements/<str:code>/<str:version>/<str:block_code>/",
        credentials.achievement,
        name="achievement-block",
    ),
    path("deliberations/<int:pk>/issuance/", credentials.issuance_request, name="issuance-request"),
    path(
        "deliberations/<int:pk>/issuance/<int:batch_pk>/", credentials.issuance_batch, name="issuance-batch"
    ),
    path("deliberations/<int:pk>/credentials.zip", credentials.deliberation_zip, name="deliberation-zip"),
    path("credentials/", credentials.credential_list, name="credential-list"),
    path("credentials/<uuid:credential_id>/", credentials.credential_detail, name="credential-detail"),
    path("credentials/<uuid:credential_id>/revoke/", credentials.credential_revoke, name="credential-revoke"),
    path("credentials/<uuid:credential_id>.pdf", credentials.credential_pdf, name="credential-pdf"),
    path("credentials/<uuid:credential_id>.json", credentials.credential_json, name="credential-json"),
]

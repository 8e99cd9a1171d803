"""Sessions and grading are changed through the web pages and the API (which go through the domain and
its audit); the admin only lists them."""

from django.contrib import admin

from certiflow.common.admin import ReadOnlyModelAdmin

from .models import Assignment, Session


@admin.register(Session)
class SessionAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "framework", "starts_on", "ends_on", "results_published_at"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyModelAdmin):
    list_display = ["scheduled", "evaluator", "rank", "status", "submitted_at"]
    list_filter = ["status"]

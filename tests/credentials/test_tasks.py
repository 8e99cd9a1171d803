"""Issuance as a background task: inline by default, through the database queue and its worker in
production (``CERTIFLOW_TASK_BACKEND=database``, ``certiflow db_worker``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from certiflow.credentials.domain.issuance import request_issuance
from certiflow.credentials.models import IssuanceBatch, IssuedCredential


@pytest.fixture
def database_queue(settings):
    # django-tasks drops the backends it built when the setting changes (and back after the test).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# The worker closes the database connection after each task, as it should in production: the test data
# must be committed for that, so this test runs outside a wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_issuance_waits_in_the_database_queue_until_the_worker_runs_it(signed, database_queue):
    batch = request_issuance(actor=signed.world.admin, deliberation=signed.deliberation)
    batch.refresh_from_db()
    queued = (batch.status, IssuedCredential.objects.count())

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    batch.refresh_from_db()
    assert queued == (IssuanceBatch.Status.QUEUED, 0)
    assert batch.status == IssuanceBatch.Status.DONE
    assert IssuedCredential.objects.count() == 4

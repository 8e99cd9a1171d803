"""Background work of the credentials app, behind django-tasks (inline by default, a database queue
with ``CERTIFLOW_TASK_BACKEND=database``)."""

from __future__ import annotations

from django_tasks import task


@task()
def issue_batch(batch_id: int) -> dict[str, int | str]:
    """Run an issuance batch; safe to run twice (a batch already running or done is left alone)."""
    from certiflow.credentials.domain.issuance import run_batch
    from certiflow.credentials.models import IssuanceBatch

    batch = run_batch(batch=IssuanceBatch.objects.get(pk=batch_id))
    return {"status": batch.status, "issued": batch.issued, "done": batch.done}

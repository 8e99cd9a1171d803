"""Issuing the credentials of 1,000 graduates: PDFs per second and signed credentials per second, as
ratios to their floors measured in the same process.

Setup: a throw-away embedded SQLite database (the default of ``make run``; ``--database-url`` for
another), ``migrate`` and ``load_seeds``. The seed fiche RNCP39603 (document 003: four blocs, its
certifier « ECAD CONSULTANTS - IESA ART&CULTURE ») gets a session and a signed deliberation where every
one of N candidates is certified with its four blocs validated — written with ``bulk_create``, timed apart
(a real jury would take hours to click through 1,000 decisions). Each graduate is entitled to a
certificate and four bloc attestations, so N graduates give 5 N credentials, each a signed Open Badges
credential and a PDF carrying it.

Measured:
- ``batch``: ``run_batch`` of the whole deliberation, as the background task runs it (one transaction
  per decision, status-list entries, audit log); inside it, the time spent in PDF rendering and in
  canonicalising + signing is accounted for by wrapping those two functions (timers only; what they do is
  unchanged);
- ``floor PDF``: rendering the same template alone for one credential (``pdfs.render_pdf`` of the first
  certificate's printed data), best of ``--floor-repeat``;
- ``floor sign``: canonicalising and signing one credential alone (``integrity.sign`` of the first
  certificate's unsigned document), best of ``--floor-repeat``.

Ratios: per credential, batch ÷ (floor PDF + floor sign) — the price of everything around the two
unavoidable steps; and, for each step, its mean time inside the batch ÷ its floor. Writes
``bench/issuance/results.json``.

Usage: ``.venv/bin/python bench/issuance/run.py [--graduates 1000] [--floor-repeat 20]
[--database-url URL]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graduates", type=int, default=1000)
    parser.add_argument("--floor-repeat", type=int, default=20)
    parser.add_argument("--database-url", help="another database than a throw-away SQLite file")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="certiflow-bench-issuance-") as var:
        os.environ["CERTIFLOW_VAR_DIR"] = var
        os.environ["DATABASE_URL"] = options.database_url or f"sqlite:///{var}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certiflow.common.settings")
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        run(options)


def run(options) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_seeds", verbosity=0)
    deliberation = build(options.graduates)
    generation = time.perf_counter() - started
    print(f"data: {options.graduates} certified graduates, generated in {generation:.1f} s", flush=True)

    from certiflow.credentials.domain import issuance
    from certiflow.credentials.models import IssuedCredential

    timers = {"pdf": [], "sign": []}
    render_pdf, sign = issuance.pdfs.render_pdf, issuance.integrity.sign

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timers[name].append(time.perf_counter() - start)

        return wrapper

    # Warm up what a long-running worker has already loaded (WeasyPrint, fonts, contexts), so the batch
    # and the floors are compared in the same state.
    floor_inputs = first_credential_inputs(deliberation)
    render_pdf(floor_inputs["printed"])
    sign(floor_inputs["unsigned"], **floor_inputs["key"])

    issuance.pdfs.render_pdf = timed("pdf", render_pdf)
    issuance.integrity.sign = timed("sign", sign)
    batch = issuance.create_batch(actor=None, deliberation=deliberation)
    done = 0

    def progress(count, total):
        nonlocal done
        done = count
        if count % max(1, total // 10) == 0:
            print(f"  batch: {count}/{total} decisions", flush=True)

    start = time.perf_counter()
    batch = issuance.run_batch(batch=batch, progress=progress)
    batch_seconds = time.perf_counter() - start
    issuance.pdfs.render_pdf, issuance.integrity.sign = render_pdf, sign
    if batch.status != "done":
        raise SystemExit(f"batch {batch.status}: {batch.error}")
    credentials = IssuedCredential.objects.count()

    floor_pdf = best(lambda: render_pdf(floor_inputs["printed"]), options.floor_repeat)
    floor_sign = best(lambda: sign(floor_inputs["unsigned"], **floor_inputs["key"]), options.floor_repeat)
    pdf_mean, sign_mean = statistics.mean(timers["pdf"]), statistics.mean(timers["sign"])
    per_credential = batch_seconds / credentials
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "sqlite" if "sqlite" in os.environ["DATABASE_URL"] else "other",
        "graduates": options.graduates,
        "credentials": credentials,
        "pdfs": len(timers["pdf"]),
        "generation_s": round(generation, 2),
        "batch_s": round(batch_seconds, 2),
        "credentials_per_s": round(credentials / batch_seconds, 2),
        "pdfs_per_s": round(len(timers["pdf"]) / batch_seconds, 2),
        "batch_pdf_s": round(sum(timers["pdf"]), 2),
        "batch_sign_s": round(sum(timers["sign"]), 2),
        "batch_other_s": round(batch_seconds - sum(timers["pdf"]) - sum(timers["sign"]), 2),
        "floor_pdf_ms": round(floor_pdf * 1000, 2),
        "floor_sign_ms": round(floor_sign * 1000, 2),
        "floor_pdfs_per_s": round(1 / floor_pdf, 2),
        "floor_credentials_per_s": round(1 / floor_sign, 2),
        "ratio_per_credential_to_floors": round(per_credential / (floor_pdf + floor_sign), 2),
        "ratio_pdf_in_batch_to_floor": round(pdf_mean / floor_pdf, 2),
        "ratio_sign_in_batch_to_floor": round(sign_mean / floor_sign, 2),
    }
    report(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def best(function, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def build(graduates: int):
    """A signed deliberation of ``graduates`` certified candidates on the seed fiche RNCP39603."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from certiflow.assessment.models import Session
    from certiflow.candidates.models import Candidate, Enrolment, Provider
    from certiflow.frameworks.models import Block, Certification
    from certiflow.jury.models import BlockDecision, Decision, Deliberation

    certification = Certification.objects.get(code="RNCP39603")
    framework = certification.frameworks.order_by("-ordinal").first()
    route = certification.access_routes.order_by("position").first()
    blocks = list(Block.objects.filter(framework=framework).order_by("position"))
    admin = get_user_model().objects.create_user("bench-admin", is_staff=True)
    with transaction.atomic():
        provider = Provider.objects.create(name="IESA", siret="33115405400091")
        session = Session.objects.create(
            framework=framework,
            title="Session de juin 2026",
            starts_on=datetime.date(2026, 6, 1),
            ends_on=datetime.date(2026, 6, 30),
            created_by=admin,
        )
        candidates = Candidate.objects.bulk_create(
            Candidate(last_name=f"Diplômé{n:05d}", first_name="Camille", email=f"graduate{n}@example.org")
            for n in range(graduates)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                candidate=candidate,
                framework=framework,
                access_route=route,
                provider=provider,
                starts_on=datetime.date(2023, 9, 1),
            )
            for candidate in candidates
        )
        deliberation = Deliberation.objects.create(
            session=session,
            title="Jury de juillet 2026",
            meets_on=datetime.date(2026, 7, 3),
            created_by=admin,
        )
        decisions = Decision.objects.bulk_create(
            Decision(deliberation=deliberation, enrolment=enrolment, result=Decision.Result.CERTIFIED)
            for enrolment in enrolments
        )
        BlockDecision.objects.bulk_create(
            BlockDecision(
                decision=decision,
                block=block,
                proposed_status="validated",
                validated=True,
                source=BlockDecision.Source.GRADED,
            )
            for decision in decisions
            for block in blocks
        )
        Deliberation.objects.filter(pk=deliberation.pk).update(
            status=Deliberation.Status.CLOSED, signed_at=timezone.now()
        )
    return Deliberation.objects.get(pk=deliberation.pk)


def first_credential_inputs(deliberation) -> dict:
    """The printed data and the unsigned document of the first graduate's certificate: what the floors
    render and sign alone."""
    import uuid

    from django.utils import timezone

    from certiflow.credentials.domain import documents, issuance
    from certiflow.credentials.domain.keys import private_key

    issuer = issuance._Issuer(actor=None, deliberation=deliberation)
    decision = next(iter(issuance._decisions(deliberation)))
    credential_id = uuid.uuid4()
    unsigned = documents.credential(
        credential_id=credential_id,
        name=f"Certificat — {issuer.certification.title}",
        issuer=issuer.profile,
        candidate=decision.enrolment.candidate,
        achievement=issuer.achievements.certification,
        jury_date=deliberation.meets_on,
        awarded_at=deliberation.signed_at,
        valid_until=None,
        status_list_id=1,
        status_index=0,
    )
    now = timezone.now()
    key = {
        "private_key": private_key(issuer.key),
        "verification_method": issuer.key.verification_method,
        "created": now,
    }
    printed = issuer.printed(
        credential_id=credential_id,
        kind="certificate",
        decision=decision,
        block_decision=None,
        valid_until=None,
        issued_at=now,
        replaces="",
        credential_json=json.dumps(unsigned, ensure_ascii=False, indent=2),
    )
    return {"printed": printed, "unsigned": unsigned, "key": key}


def report(r: dict) -> None:
    print()
    print(
        f"## Issuance: {r['graduates']} graduates, {r['credentials']} credentials ({r['machine']}, {r['database']})"
    )
    print()
    print("| | batch | floor (alone) | batch ÷ floor |")
    print("|---|---|---|---|")
    print(
        f"| PDFs per second | {r['pdfs_per_s']} | {r['floor_pdfs_per_s']} | "
        f"{r['ratio_pdf_in_batch_to_floor']} (mean render in batch ÷ render alone) |"
    )
    print(
        f"| credentials per second (canonicalise + sign) | {r['credentials_per_s']} | "
        f"{r['floor_credentials_per_s']} | {r['ratio_sign_in_batch_to_floor']} (mean sign in batch ÷ sign alone) |"
    )
    print(
        f"| per credential, everything | {1000 * r['batch_s'] / r['credentials']:.1f} ms | "
        f"{r['floor_pdf_ms'] + r['floor_sign_ms']:.1f} ms (PDF + sign) | {r['ratio_per_credential_to_floors']} |"
    )
    print()
    print(
        f"batch {r['batch_s']} s = PDF {r['batch_pdf_s']} s + sign {r['batch_sign_s']} s + "
        f"other {r['batch_other_s']} s (database, status lists, building documents, audit)"
    )


if __name__ == "__main__":
    main()

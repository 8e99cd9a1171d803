"""Deliberation at scale: the engine's proposals for a whole session of 10,000 and 100,000 candidates on
PostgreSQL, as a ratio to one SQL aggregate over the same marks (the floor), and how both grow.

Setup: a throw-away PostgreSQL 15 cluster (shared/RECIPES.md; or the server in ``DATABASE_URL``, where
the benchmark creates and drops its own databases). A template database gets ``migrate``,
``load_seeds`` and ``demo --stage graded --candidates 6``: the référentiel, the accounts, the providers
and one small graded « Session de juin 2026 ». For each size a fresh database is copied from that
template (``CREATE DATABASE … TEMPLATE``) and the session is grown to N candidates by copying the demo's
shape with PostgreSQL ``COPY`` (psycopg 3): candidates and enrolments (route, provider, cohort and
prerequisite evidence of a demo enrolment), one sitting per scheduled assessment, groups of four for the
collective part, one or two markers per sitting (double marking where the demo has it), every mark.
Generation is timed apart and not counted as engine time. The mix, drawn from ``--seed``:

- most candidates meet every criterion; 15 % miss one or two criteria of one modality (that bloc
  fails), 1 % miss a criterion in every modality, 3 % of the groups miss the collective criterion;
- 1 % have a grid left in draft, half marked (pending); 3 % have a double-marking disagreement, half
  of them reconciled; 0.5 % a granted exemption, 0.5 % a VAE presented for one bloc (to decide);
- 3 % miss a validation proof and 2 % have a proof awaiting verification (prerequisites).

Measurements, each in a fresh process (so sizes and runs do not share memory), best of ``--repeat``:

- ``engine``: ``session_proposals(session, on=…)`` consumed as the deliberation does, proposal by
  proposal (counting results; the proposals are not kept, so memory shows the engine's own bound by
  chunk); queries counted with ``connection.execute_wrapper`` (fixed per chunk of ``--chunk-size``);
- ``floor``: one SQL aggregate over the same marks — per enrolment of the session, the count of met and
  not met marks of submitted grids (individual and group) — fetched into Python.

Peak memory is ``getrusage(RUSAGE_SELF).ru_maxrss`` minus the resident size just before the measured
call (Django set up, connected, modules imported). Before the engine runs, the plan of its first query
(``presented_enrolments``) is checked with EXPLAIN: when PostgreSQL would scan a subquery again for
every enrolment (it does when the hashed subquery does not fit in ``work_mem``), the time grows with
the square of the session, so the engine is skipped at that size with a warning (``--force`` runs it
anyway; ``--work-mem 16MB`` sets ``work_mem`` for the measured sessions). Prints Markdown tables (time,
ms per 1,000 candidates, CPU and SQL time, peak MB, queries, engine ÷ floor, growth from the smallest to
the largest size, proposals per result) and writes ``bench/deliberation/results.json``. ``--profile`` adds a cProfile of the engine
at the largest size. The cluster and the databases are removed at exit.

Usage: ``.venv/bin/python bench/deliberation/run.py [--quick | --sizes 10000,100000] [--repeat 3]
[--chunk-size 2000] [--work-mem 16MB] [--force] [--profile]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
HOST = "127.0.0.1"

SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TEMPLATE_CANDIDATES = 6  # the demo's minimum: its shape is what the generator copies
DEFAULT_SEED = 2026
#: The deliberation date: two weeks after the demo session ends (capitalised blocs are checked on it).
ON = "2026-07-03"
RESULTS = ("certified", "partial", "not_certified", "incomplete")

# The mix of the generated candidates (see the module docstring).
WEAK, FAILING, DRAFT, DISAGREEMENT, RECONCILED = 0.15, 0.01, 0.01, 0.03, 0.5
GROUP_FAILS, EXEMPTION, EQUIVALENCE = 0.03, 0.005, 0.005
PROOF_MISSING, PROOF_UNVERIFIED = 0.03, 0.02
GROUP_SIZE = 4


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- Infrastructure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """Where the benchmark databases live: ``url(name)`` for one of them, ``admin`` for CREATE/DROP."""

    base_url: str  # postgres://user:password@host:port/admin_database

    def url(self, database: str) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    @property
    def prefix(self) -> str:
        return urlsplit(self.base_url).path.lstrip("/") + "_bench"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base_url, autocommit=True) as connection:
            connection.execute(sql)


def start_postgres(stack: ExitStack) -> Server:
    """A throw-away cluster as in shared/RECIPES.md; stopped and removed when ``stack`` closes.

    Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): it only speeds up the
    bulk load of a cluster thrown away at exit; the measured work only reads. ``shared_buffers`` is
    1 GB, as on a modest production server, so the largest session's marks fit in PostgreSQL's cache.
    """
    if not (PGBIN / "initdb").exists():
        sys.exit(f"PostgreSQL 15 is not installed ({PGBIN}); install postgresql-15 or set DATABASE_URL.")
    root = Path(tempfile.mkdtemp(prefix="certiflow-bench-pg-"))
    stack.callback(shutil.rmtree, root, ignore_errors=True)
    port = free_port()
    (root / "sock").mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        subprocess.run(["chown", "-R", "postgres:postgres", str(root)], check=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(
        [*as_postgres, str(PGBIN / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--locale=C.UTF-8"],
        **quiet,
    )  # fmt: skip
    options = (
        f"-p {port} -k {root / 'sock'} -c listen_addresses={HOST} -c shared_buffers=1GB "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=8GB"
    )
    subprocess.run(
        [*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w",
         "start", "-o", options],
        **quiet,
    )  # fmt: skip
    stack.callback(
        subprocess.run,
        [*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    subprocess.run(
        [*as_postgres, str(PGBIN / "psql"), "-h", str(root / "sock"), "-p", str(port), "-U", "postgres",
         "-c", "CREATE ROLE certiflow LOGIN PASSWORD 'certiflow' CREATEDB",
         "-c", "CREATE DATABASE certiflow OWNER certiflow"],
        **quiet,
    )  # fmt: skip
    log(f"PostgreSQL 15 cluster on port {port} ({root})")
    return Server(f"postgres://certiflow:certiflow@{HOST}:{port}/certiflow")


def create_database(stack: ExitStack, server: Server, name: str, *, template: str | None = None) -> str:
    """A new database (a copy of ``template`` when given), dropped when ``stack`` closes."""
    server.admin(f'DROP DATABASE IF EXISTS "{name}"')
    server.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    stack.callback(server.admin, f'DROP DATABASE IF EXISTS "{name}"')
    return server.url(name)


def environment(database_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "certiflow.common.settings",
        "DJANGO_DEBUG": "0",  # DEBUG would keep every query in memory
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CERTIFLOW_VAR_DIR": str(var_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def certiflow(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "certiflow"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(
            f"certiflow {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout + result.stderr


def worker(env: dict[str, str], kind: str, *args: str) -> dict:
    """Run one step in a fresh interpreter (``--worker kind``); it prints its result as JSON last."""
    result = subprocess.run(
        [sys.executable, __file__, "--worker", kind, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.stderr.strip():
        print(result.stderr.rstrip(), file=sys.stderr, flush=True)
    if result.returncode != 0:
        sys.exit(f"worker {kind} failed ({result.returncode}):\n{result.stdout[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Workers (run inside Django, one per process) ------------------------------------------------------


def _setup_django() -> None:
    import django  # certiflow is installed in the venv (editable): no path to add

    django.setup()


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class QueryCounter:
    """``connection.execute_wrapper``: counts queries and the time spent executing them (with psycopg's
    client-side cursors this includes receiving the rows)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def _demo_session():
    from certiflow.assessment.domain.demo import existing_demo_session

    session = existing_demo_session()
    if session is None:
        sys.exit("no demo session in this database")
    return session


def measure(kind: str, *, chunk_size: int, profile: bool) -> dict:
    """Time, peak memory and queries of the engine (or the floor) over the demo session."""
    from datetime import date

    from django.db import connection

    from certiflow.jury.domain.engine import session_proposals

    session = _demo_session()  # connects, and warms the ORM, outside the measurement
    on = date.fromisoformat(ON)
    if kind == "engine":

        def run() -> dict[str, int]:
            results = Counter(p.result for p in session_proposals(session, on=on, chunk_size=chunk_size))
            return dict(results)
    else:
        sql = floor_sql()

        def run() -> dict[str, int]:
            with connection.cursor() as cursor:
                cursor.execute(sql, [session.pk])
                rows = cursor.fetchall()
            by_enrolment = {enrolment_id: (met, not_met) for enrolment_id, met, not_met in rows}
            return {
                "enrolments": len(by_enrolment),
                "met": sum(m for m, _n in by_enrolment.values()),
                "not_met": sum(n for _m, n in by_enrolment.values()),
            }

    counter = QueryCounter()
    baseline = _resident_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with connection.execute_wrapper(counter):
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        counts = run()
        if profiler:
            profiler.disable()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = _peak_mb()
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "queries": counter.count,
        "sql_seconds": counter.seconds,
        "baseline_mb": baseline,
        "peak_rss_mb": peak,
        "peak_mb": max(0.0, peak - baseline),
        "counts": counts,
    }
    if profiler:
        result["profile"] = _profile_rows(profiler)
    return result


def _profile_rows(profiler, limit: int = 25) -> list[dict]:
    import pstats

    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        name = f"{Path(filename).name}:{line}({function})" if line else function
        if "site-packages" not in filename and str(ROOT) in filename:
            name = f"{Path(filename).relative_to(ROOT)}:{line}({function})"
        rows.append({"function": name, "calls": calls, "tottime": tottime, "cumtime": cumtime})
    rows.sort(key=lambda r: r["tottime"], reverse=True)
    return [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows[:limit]]


def floor_sql() -> str:
    """Per enrolment of the session: met and not met marks of the submitted grids, individual (the
    sitting's grid) and collective (the grid of the sitting's group). One statement, one round trip."""
    from certiflow.assessment.models import Assignment, Mark, ScheduledAssessment, Sitting

    sitting, scheduled = Sitting._meta.db_table, ScheduledAssessment._meta.db_table
    assignment, mark = Assignment._meta.db_table, Mark._meta.db_table
    return f"""
        WITH seated AS (
            SELECT s.id, s.enrolment_id, s.group_id FROM {sitting} s
            JOIN {scheduled} sa ON sa.id = s.scheduled_id WHERE sa.session_id = %s
        )
        SELECT enrolment_id, count(*) FILTER (WHERE value = 'met'), count(*) FILTER (WHERE value = 'not_met')
        FROM (
            SELECT seated.enrolment_id, m.value FROM seated
            JOIN {assignment} a ON a.sitting_id = seated.id AND a.status = 'submitted'
            JOIN {mark} m ON m.assignment_id = a.id
            UNION ALL
            SELECT seated.enrolment_id, m.value FROM seated
            JOIN {assignment} a ON a.group_id = seated.group_id AND a.status = 'submitted'
            JOIN {mark} m ON m.assignment_id = a.id
        ) marks
        GROUP BY enrolment_id
    """  # noqa: S608 — table names from the models, the session id is a parameter


# --- The generator ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one generated candidate looks like (indexes are into ``Shape.scheduled``)."""

    template: int
    proofs: str  # "", "missing" (last proof dropped), "unverified" (first proof awaiting verification)
    failing: frozenset[tuple[int, int]]  # (scheduled index, criterion id) not met by every marker
    draft: int | None  # scheduled index whose (single) grid is left in draft, half marked
    disagreement: tuple[int, int, str | None] | None  # (scheduled index, criterion id, reconciled value)
    exemption: int | None  # criterion id granted
    equivalence: int | None  # bloc id of a VAE presented


@dataclass
class Shape:
    """The demo session as the generator copies it."""

    scheduled: list  # ScheduledAssessment, in order
    criteria: dict[int, list[int]]  # scheduled id → criterion ids, by position
    collective: dict[int, set[int]]  # scheduled id → collective criterion ids
    evaluators: list[int]
    admin: int
    referent: int
    blocks: list[int]

    def markers(self, index: int) -> int:
        return 2 if self.scheduled[index].double_marking else 1

    def individual(self, index: int, grouped: bool) -> list[int]:
        scheduled = self.scheduled[index]
        collective = self.collective[scheduled.pk] if grouped else set()
        return [c for c in self.criteria[scheduled.pk] if c not in collective]


def generate(total: int, seed: int) -> dict:
    """Grow the demo session to ``total`` presented enrolments with COPY, then VACUUM ANALYZE."""
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from certiflow.assessment.domain import demo
    from certiflow.assessment.models import ScheduledAssessment, Sitting
    from certiflow.candidates.domain.prerequisites import check_prerequisites
    from certiflow.frameworks.models import Block, Criterion
    from certiflow.jury.domain.engine import presented_enrolments

    started = time.perf_counter()
    rng = random.Random(seed)
    session = _demo_session()
    templates = list(
        presented_enrolments(session)
        .select_related("framework__certification", "access_route")
        .prefetch_related("prerequisite_evidence")
    )
    count = total - len(templates)
    if count < GROUP_SIZE:
        sys.exit(f"--sizes must be at least {len(templates) + GROUP_SIZE}")
    # Copy the enrolments whose proofs are complete and verified; the mix removes some on purpose.
    complete = [
        e
        for e in templates
        if check_prerequisites(e, list(e.prerequisite_evidence.all())).all_met
        and all(p.verified_at for p in e.prerequisite_evidence.all())
    ] or templates
    users = dict(get_user_model().objects.values_list("username", "pk"))
    scheduled = list(ScheduledAssessment.objects.filter(session=session).order_by("starts_at", "id"))
    shape = Shape(
        scheduled=scheduled,
        criteria={
            s.pk: list(
                Criterion.objects.filter(assessment_id=s.assessment_id)
                .order_by("position")
                .values_list("pk", flat=True)
            )
            for s in scheduled
        },
        collective={s.pk: set(s.collective_criteria.values_list("pk", flat=True)) for s in scheduled},
        evaluators=[users[name] for name in demo.EVALUATORS],
        admin=users[demo.ADMIN],
        referent=users[demo.REFERENT],
        blocks=list(
            Block.objects.filter(framework_id=session.framework_id)
            .order_by("position")
            .values_list("pk", flat=True)
        ),
    )
    groups_per_scheduled = count // GROUP_SIZE  # the last group takes the remainder (4 to 7)
    plans = [_plan(rng, shape, len(complete)) for _ in range(count)]
    failing_groups = {g for g in range(groups_per_scheduled) if rng.random() < GROUP_FAILS}
    names = [(rng.choice(demo.FIRST_NAMES), rng.choice(demo.LAST_NAMES)) for _ in range(count)]

    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg 3: COPY … FROM STDIN
        written = _write(cursor, shape, plans, complete, names, failing_groups, groups_per_scheduled)
    copied = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # Counted directly, not with presented_enrolments(): its plan can be quadratic on a large session
    # (see plan_check), and the engine's queries are what the benchmark measures, not a setup step.
    presented = Sitting.objects.filter(scheduled__session=session).values("enrolment_id").distinct().count()
    if presented != total:
        sys.exit(f"generated {presented} presented enrolments, expected {total}")
    return {
        "seconds": time.perf_counter() - started,
        "copy_seconds": copied,
        "rows": written,
        "presented": presented,
    }


def _plan(rng, shape: Shape, templates: int) -> Plan:
    indexes = range(len(shape.scheduled))
    failing: set[tuple[int, int]] = set()
    roll = rng.random()
    if roll < FAILING:  # one criterion missed in every modality: every bloc fails
        failing = {(i, shape.individual(i, grouped=True)[0]) for i in indexes}
    elif roll < FAILING + WEAK:  # one or two criteria missed in one modality: that bloc fails
        index = rng.choice(indexes)
        criteria = shape.individual(index, grouped=True)
        failing = {(index, c) for c in rng.sample(criteria, k=min(len(criteria), rng.choice((1, 1, 2))))}
    singles = [i for i in indexes if shape.markers(i) == 1]
    doubles = [i for i in indexes if shape.markers(i) == 2]
    disagreement = None
    if doubles and rng.random() < DISAGREEMENT:
        index = rng.choice(doubles)
        criterion = rng.choice(shape.individual(index, grouped=True))
        reconciled = rng.choice(("met", "met", "not_met")) if rng.random() < RECONCILED else None
        disagreement = (index, criterion, reconciled)
    proofs = rng.random()
    all_criteria = [c for s in shape.scheduled for c in shape.criteria[s.pk]]
    return Plan(
        template=rng.randrange(templates),
        proofs="missing"
        if proofs < PROOF_MISSING
        else "unverified"
        if proofs < PROOF_MISSING + PROOF_UNVERIFIED
        else "",
        failing=frozenset(failing),
        draft=rng.choice(singles) if singles and rng.random() < DRAFT else None,
        disagreement=disagreement,
        exemption=rng.choice(all_criteria) if rng.random() < EXEMPTION else None,
        equivalence=rng.choice(shape.blocks) if shape.blocks and rng.random() < EQUIVALENCE else None,
    )


def _write(cursor, shape, plans, templates, names, failing_groups, groups_per_scheduled) -> dict:
    """COPY every row, with ids chosen here (after the highest existing ones) so that rows can point at
    each other without reading anything back; the sequences are moved past them at the end."""
    from django.utils import timezone

    from certiflow.assessment.domain.demo import MET_COMMENTS, NOT_MET_COMMENTS
    from certiflow.assessment.models import Assignment, Group, Mark, Reconciliation, Sitting
    from certiflow.candidates.models import Candidate, Enrolment, ExemptionProposal, PrerequisiteEvidence
    from certiflow.jury.models import Equivalence

    now = timezone.now()
    count = len(plans)
    written: dict[str, int] = {}

    def first_id(model) -> int:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0]

    def copy(model, fields: list[str], rows) -> None:
        columns = ", ".join(model._meta.get_field(f).column for f in fields)
        n = 0
        with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
                n += 1
        written[model._meta.db_table] = n
        log(f"  {model._meta.db_table}: {n:,} rows")

    indexes = range(len(shape.scheduled))
    grouped = {i for i in indexes if shape.collective[shape.scheduled[i].pk]}
    ids = {m: first_id(m) for m in (Candidate, Enrolment, Sitting, Group, Assignment)}
    per_candidate = sum(shape.markers(i) for i in indexes)  # sitting grids per candidate
    offsets = [sum(shape.markers(j) for j in range(i)) for i in indexes]
    group_index = {i: n for n, i in enumerate(sorted(grouped))}

    def candidate_id(k: int) -> int:
        return ids[Candidate] + k

    def enrolment_id(k: int) -> int:
        return ids[Enrolment] + k

    def sitting_id(k: int, i: int) -> int:
        return ids[Sitting] + k * len(shape.scheduled) + i

    def group_of(k: int) -> int:
        return min(k // GROUP_SIZE, groups_per_scheduled - 1)

    def group_id(i: int, g: int) -> int:
        return ids[Group] + group_index[i] * groups_per_scheduled + g

    def sitting_grids(k: int):
        """(assignment id, scheduled index, rank, evaluator, marks) of candidate ``k``'s own grids."""
        plan = plans[k]
        for i in indexes:
            criteria = shape.individual(i, grouped=i in grouped)
            for rank in range(1, shape.markers(i) + 1):
                marked = criteria
                if plan.draft == i:
                    marked = criteria[: max(1, len(criteria) // 2)]
                marks = []
                for c in marked:
                    met = (i, c) not in plan.failing
                    if plan.disagreement and plan.disagreement[:2] == (i, c) and rank == 2:
                        met = not met
                    marks.append((c, met))
                evaluator = shape.evaluators[(k + i + rank - 1) % len(shape.evaluators)]
                yield ids[Assignment] + k * per_candidate + offsets[i] + rank - 1, i, rank, evaluator, marks

    def group_grids():
        """(assignment id, scheduled index, group number, rank, evaluator, marks) of every group grid."""
        next_id = ids[Assignment] + count * per_candidate
        for i in sorted(grouped):
            collective = [
                c
                for c in shape.criteria[shape.scheduled[i].pk]
                if c in shape.collective[shape.scheduled[i].pk]
            ]
            for g in range(groups_per_scheduled):
                for rank in range(1, shape.markers(i) + 1):
                    evaluator = shape.evaluators[(g + rank - 1) % len(shape.evaluators)]
                    marks = [(c, g not in failing_groups) for c in collective]
                    yield next_id, i, g, rank, evaluator, marks
                    next_id += 1

    def comment(met: bool, k: int, c: int) -> str:
        if not met:
            return NOT_MET_COMMENTS[(k + c) % len(NOT_MET_COMMENTS)]  # a not met mark needs a comment
        return MET_COMMENTS[(k + c) % len(MET_COMMENTS)] if (k * 7 + c) % 10 == 0 else ""

    copy(
        Candidate,
        ["id", "last_name", "first_name", "email", "birth_date", "reference", "created_at", "user"],
        (
            (candidate_id(k), last, first, f"bench{k + 1}@exemple.fr", None, f"BENCH-{k + 1:06d}", now, None)
            for k, (first, last) in enumerate(names)
        ),
    )
    copy(
        Enrolment,
        ["id", "candidate", "framework", "access_route", "provider", "cohort", "entry_year", "starts_on",
         "ends_on", "status", "created_at"],
        (
            (enrolment_id(k), candidate_id(k), t.framework_id, t.access_route_id, t.provider_id, t.cohort_id,
             t.entry_year, t.starts_on, t.ends_on, Enrolment.Status.ASSESSING, now)
            for k, t in ((k, templates[p.template]) for k, p in enumerate(plans))
        ),
    )  # fmt: skip

    def proofs():
        for k, plan in enumerate(plans):
            rows = list(templates[plan.template].prerequisite_evidence.all())
            if plan.proofs == "missing" and rows:
                rows = rows[:-1]
            for n, e in enumerate(rows):
                unverified = plan.proofs == "unverified" and n == 0
                yield (
                    enrolment_id(k), e.kind, e.value, e.condition, e.description, e.link, e.recorded_by_id,
                    now, None if unverified else e.verified_by_id, None if unverified else e.verified_at,
                )  # fmt: skip

    copy(
        PrerequisiteEvidence,
        ["enrolment", "kind", "value", "condition", "description", "link", "recorded_by", "recorded_at",
         "verified_by", "verified_at"],
        proofs(),
    )  # fmt: skip
    copy(
        Group,
        ["id", "scheduled", "name"],
        (
            (group_id(i, g), shape.scheduled[i].pk, f"Banc {g + 1:06d}")
            for i in sorted(grouped)
            for g in range(groups_per_scheduled)
        ),
    )
    copy(
        Sitting,
        ["id", "scheduled", "enrolment", "group"],
        (
            (
                sitting_id(k, i),
                shape.scheduled[i].pk,
                enrolment_id(k),
                group_id(i, group_of(k)) if i in grouped else None,
            )
            for k in range(count)
            for i in indexes
        ),
    )

    def assignments():
        for k, plan in enumerate(plans):
            for assignment_id, i, rank, evaluator, _marks in sitting_grids(k):
                draft = plan.draft == i
                yield (
                    assignment_id, shape.scheduled[i].pk, evaluator, sitting_id(k, i), None, rank,
                    Assignment.Status.DRAFT if draft else Assignment.Status.SUBMITTED, None if draft else now,
                )  # fmt: skip
        for assignment_id, i, g, rank, evaluator, _marks in group_grids():
            yield (
                assignment_id, shape.scheduled[i].pk, evaluator, None, group_id(i, g), rank,
                Assignment.Status.SUBMITTED, now,
            )  # fmt: skip

    copy(
        Assignment,
        ["id", "scheduled", "evaluator", "sitting", "group", "rank", "status", "submitted_at"],
        assignments(),
    )

    def marks():
        for k in range(count):
            for assignment_id, _i, _rank, evaluator, grid in sitting_grids(k):
                for c, met in grid:
                    yield (
                        assignment_id,
                        c,
                        "met" if met else "not_met",
                        comment(met, k, c),
                        1,
                        evaluator,
                        now,
                    )
        for assignment_id, _i, g, _rank, evaluator, grid in group_grids():
            for c, met in grid:
                yield (assignment_id, c, "met" if met else "not_met", comment(met, g, c), 1, evaluator, now)

    copy(
        Mark, ["assignment", "criterion", "value", "comment", "revision", "updated_by", "updated_at"], marks()
    )
    copy(
        Reconciliation,
        ["sitting", "group", "criterion", "value", "comment", "reconciled_by", "reconciled_at"],
        (
            (sitting_id(k, p.disagreement[0]), None, p.disagreement[1], p.disagreement[2],
             "Accord des deux correcteurs après relecture du dossier.", shape.admin, now)
            for k, p in enumerate(plans)
            if p.disagreement and p.disagreement[2]
        ),
    )  # fmt: skip
    copy(
        ExemptionProposal,
        ["enrolment", "criterion", "opinion", "keeps_overall_capability", "not_applicable_to_future_practice",
         "status", "proposed_by", "proposed_at"],
        (
            (enrolment_id(k), p.exemption, "Avis motivé du référent handicap (données de banc d'essai).", True,
             True, ExemptionProposal.Status.GRANTED, shape.referent, now)
            for k, p in enumerate(plans)
            if p.exemption
        ),
    )  # fmt: skip
    copy(
        Equivalence,
        ["enrolment", "block", "kind", "evidence", "document", "interview_notes", "status", "ruling_reason",
         "presented_by", "presented_at"],
        (
            (enrolment_id(k), p.equivalence, Equivalence.Kind.VAE, "Dossier de validation des acquis.", "", "",
             Equivalence.Status.PRESENTED, "", shape.admin, now)
            for k, p in enumerate(plans)
            if p.equivalence
        ),
    )  # fmt: skip
    for model in (Candidate, Enrolment, PrerequisiteEvidence, Group, Sitting, Assignment, Mark, Reconciliation,
                  ExemptionProposal, Equivalence):  # fmt: skip
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    return written


def plan_check() -> dict:
    """EXPLAIN the engine's first query, ``presented_enrolments(session)``. A ``SubPlan`` that is not
    ``hashed`` in a filter is scanned again for every enrolment: time grows with the square of the
    session (PostgreSQL falls back to it when the hashed subquery does not fit in ``work_mem``)."""
    from django.db import connection

    from certiflow.jury.domain.engine import presented_enrolments

    sql, params = presented_enrolments(_demo_session()).values_list("pk", flat=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
    rescanned = [
        line.strip() for line in plan if "Filter:" in line and re.search(r"(?<!hashed )SubPlan \d", line)
    ]
    cost = float(re.search(r"cost=[\d.]+\.\.([\d.]+)", plan[0]).group(1))
    return {"rescanned_subplan": rescanned, "estimated_cost": cost, "plan": plan}


def run_worker(kind: str, args: argparse.Namespace) -> None:
    _setup_django()
    if args.work_mem:
        from django.db import connection

        with connection.cursor() as cursor:  # for this session only; validated in main()
            cursor.execute(f"SET work_mem = '{args.work_mem}'")
    if kind == "generate":
        result = generate(args.candidates, args.seed)
    elif kind == "plan":
        result = plan_check()
    else:
        result = measure(kind, chunk_size=args.chunk_size, profile=args.profile)
    print(json.dumps(result, default=str))


# --- The benchmark ------------------------------------------------------------------------------------


def best(runs: list[dict]) -> dict:
    """The fastest run; peak memory is the highest of all runs (memory does not benefit from luck)."""
    fastest = min(runs, key=lambda r: r["seconds"])
    return {
        **{k: v for k, v in fastest.items() if k != "profile"},
        "seconds_all": [round(r["seconds"], 3) for r in runs],
        "peak_mb": max(r["peak_mb"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def per_thousand(seconds: float, candidates: int) -> float:
    return seconds * 1000 / (candidates / 1000)


def print_tables(rows: list[dict]) -> None:
    print(
        "\n| candidates | engine s | engine ms/1k | engine CPU s | engine SQL s | engine peak MB | queries "
        "| floor s | floor ms/1k | floor peak MB | engine ÷ floor |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        e, f, n = row["engine"], row["floor"], row["candidates"]
        floor = f"| {f['seconds']:.3f} | {per_thousand(f['seconds'], n):.1f} | {f['peak_mb']:.0f} "
        if e is None:
            print(f"| {n:,} | skipped: quadratic plan (see log) | | | | | " + floor + "| |")
            continue
        print(
            f"| {n:,} | {e['seconds']:.2f} | {per_thousand(e['seconds'], n):.0f} | {e['cpu_seconds']:.2f} "
            f"| {e['sql_seconds']:.2f} | {e['peak_mb']:.0f} | {e['queries']} "
            + floor
            + f"| {e['seconds'] / f['seconds']:.1f}× |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["candidates"] / first["candidates"]
        print(
            f"\n| growth {first['candidates']:,} → {last['candidates']:,} (candidates ×{growth:g}) "
            "| time | peak memory |"
        )
        print("|---|---:|---:|")
        for kind in ("engine", "floor"):
            a, b = first[kind], last[kind]
            if a and b:
                print(
                    f"| {kind} | ×{b['seconds'] / a['seconds']:.1f} "
                    f"| ×{b['peak_mb'] / max(a['peak_mb'], 1):.1f} |"
                )
    print("\n| candidates | " + " | ".join(RESULTS) + " | generation s (not measured) |")
    print("|---:|" + "---:|" * (len(RESULTS) + 1))
    for row in rows:
        counts = row["engine"]["counts"] if row["engine"] else {}
        print(
            f"| {row['candidates']:,} | "
            + " | ".join(f"{counts.get(r, 0):,}" if counts else "–" for r in RESULTS)
            + f" | {row['generation']['seconds']:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated candidate counts"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"sizes {QUICK_SIZES[0]:,} and {QUICK_SIZES[1]:,}"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best time counts")
    parser.add_argument("--chunk-size", type=int, default=2000, help="the engine's chunk_size")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--profile", action="store_true", help="cProfile the engine at the largest size")
    parser.add_argument(
        "--work-mem",
        help="PostgreSQL work_mem for the measured sessions, e.g. 16MB (default: the server's, 4MB on a new cluster)",
    )
    parser.add_argument(
        "--force", action="store_true", help="run the engine even when its first query's plan is quadratic"
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--candidates", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work_mem and not re.fullmatch(r"\d+(kB|MB|GB)?", args.work_mem):
        parser.error("--work-mem: a size such as 16MB")
    if args.worker:
        run_worker(args.worker, args)
        return
    sizes = list(QUICK_SIZES) if args.quick else sorted(int(s) for s in args.sizes.split(",") if s.strip())
    load_before = os.getloadavg()

    with ExitStack() as stack:
        var_dir = Path(tempfile.mkdtemp(prefix="certiflow-bench-var-"))
        stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
        server = (
            Server(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else start_postgres(stack)
        )
        started = time.perf_counter()
        template = f"{server.prefix}_template"
        env = environment(create_database(stack, server, template), var_dir)
        certiflow(env, "migrate", "--no-input", "-v", "0")
        certiflow(env, "load_seeds")
        certiflow(env, "demo", "--stage", "graded", "--candidates", str(TEMPLATE_CANDIDATES))
        log(f"template database ready in {time.perf_counter() - started:.1f} s (migrate, seeds, demo)")

        rows = []
        profile = None
        extra = ["--chunk-size", str(args.chunk_size)] + (
            ["--work-mem", args.work_mem] if args.work_mem else []
        )
        for size in sizes:
            with ExitStack() as per_size:
                env = environment(
                    create_database(per_size, server, f"{server.prefix}_{size}", template=template), var_dir
                )
                log(f"{size:,} candidates: generating…")
                generation = worker(env, "generate", "--candidates", str(size), "--seed", str(args.seed))
                log(f"{size:,} candidates generated in {generation['seconds']:.1f} s (not measured)")
                plan = worker(env, "plan", *extra)
                kinds = ["floor", "engine"]
                if plan["rescanned_subplan"] and not args.force:
                    kinds = ["floor"]
                    log(
                        f"  SKIPPING the engine at {size:,}: PostgreSQL plans presented_enrolments() with a "
                        f"subquery scanned again for every enrolment (estimated cost {plan['estimated_cost']:,.0f}; "
                        f"{plan['rescanned_subplan'][0]}): its time grows with the square of the session. "
                        "Raise --work-mem (e.g. 16MB) or rewrite the query; --force runs it anyway."
                    )
                runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
                for attempt in range(args.repeat):
                    for kind in kinds:  # interleaved, so noise spreads over both
                        run = worker(env, kind, *extra)
                        runs[kind].append(run)
                        log(
                            f"  {kind} run {attempt + 1}: {run['seconds']:.3f} s, peak +{run['peak_mb']:.0f} MB, "
                            f"{run['queries']} queries"
                        )
                if args.profile and size == sizes[-1] and "engine" in kinds:
                    profile = worker(env, "engine", *extra, "--profile")["profile"]
                row = {
                    "candidates": size,
                    "generation": generation,
                    "presented_enrolments_plan": {
                        "estimated_cost": plan["estimated_cost"],
                        "rescanned_subplan": plan["rescanned_subplan"],
                    },
                    "engine": best(runs["engine"]) if "engine" in runs else None,
                    "floor": best(runs["floor"]),
                }
                for kind in ("engine", "floor"):
                    if row[kind]:
                        row[kind]["ms_per_1000"] = round(per_thousand(row[kind]["seconds"], size), 2)
                if row["engine"]:
                    row["ratio_engine_to_floor"] = round(
                        row["engine"]["seconds"] / row["floor"]["seconds"], 2
                    )
                rows.append(row)

        print_tables(rows)
        if profile:
            print(f"\ncProfile of the engine at {sizes[-1]:,} candidates (top by own time):\n")
            print("| function | calls | own s | cumulative s |\n|---|---:|---:|---:|")
            for entry in profile[:20]:
                print(
                    f"| `{entry['function']}` | {entry['calls']:,} | {entry['tottime']} | {entry['cumtime']} |"
                )
        growth = {}
        if len(rows) > 1:
            first, last = rows[0], rows[-1]
            growth = {
                "from": first["candidates"],
                "to": last["candidates"],
                "candidates": last["candidates"] / first["candidates"],
                **{
                    kind: {
                        "time": round(last[kind]["seconds"] / first[kind]["seconds"], 2),
                        "peak_memory": round(last[kind]["peak_mb"] / max(first[kind]["peak_mb"], 1), 2),
                    }
                    for kind in ("engine", "floor")
                    if first[kind] and last[kind]
                },
            }
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        report = {
            "benchmark": "deliberation",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "commit": commit + ("+changes" if dirty else ""),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                # Other work on the machine shows here: the timings are only comparable within a run.
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            "settings": {
                "sizes": sizes,
                "repeat": args.repeat,
                "chunk_size": args.chunk_size,
                "seed": args.seed,
                "on": ON,
                "work_mem": args.work_mem or "server default",
                "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "throw-away PostgreSQL 15",
                "engine": "session_proposals(session, on=…) consumed proposal by proposal (results counted)",
                "floor": "one SQL aggregate: met / not met marks of submitted grids per enrolment, fetched",
                "memory": "ru_maxrss minus resident size before the call, fresh process per run",
            },
            "results": rows,
            "growth": growth,
            **({"profile": profile} if profile else {}),
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        log(f"written {args.output}")


if __name__ == "__main__":
    main()

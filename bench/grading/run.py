"""Grading under load: evaluators reading their grid and saving criteria, concurrently, against the real
stack (gunicorn, PostgreSQL), as a ratio to a trivial view of the same app under the same concurrency.

Setup: a throw-away PostgreSQL 15 cluster (shared/RECIPES.md; or the server in ``DATABASE_URL``),
``migrate``, ``load_seeds``, ``demo --stage enrolled --candidates 40``, then ``gunicorn
certiflow.wsgi:application`` (gthread) on a free port with ``DJANGO_DEBUG=0``.

Simulated users (threads, stdlib ``http.client``, one keep-alive connection and cookie jar each) sign
in as ``evaluateur1``…``evaluateur4`` (several users share an account) and share a small pool of that
evaluator's assignments, so two of them sometimes save the same criterion: the loser gets 409, which is
counted apart from errors. Scenarios, each for ``--duration`` seconds after ``--warmup``:

- ``floor``: ``GET /api/health`` when the app has it, else the login page ``GET /login/``;
- ``api``: ``GET /api/assignments/{id}`` then ``PUT /api/assignments/{id}/marks/{criterion}`` (session
  cookie and ``X-CSRFToken``, as the htmx pages call it);
- ``web``: the grading page ``GET /grading/{id}/`` then the criterion save ``POST
  /grading/{id}/criteria/{criterion}/`` (form fields, ``HX-Request``: the fragment comes back);
- ``api-basic``: ``GET /api/assignments/{id}`` with HTTP Basic credentials (a password check per call).

Prints p50/p95/p99, throughput, errors and conflicts per request kind, with ratios to the floor, and
writes ``bench/grading/results.json``. The cluster and gunicorn are stopped at exit.

Usage: ``.venv/bin/python bench/grading/run.py [--duration 20] [--users 20] [--workers 4] [--threads 4]``
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
HOST = "127.0.0.1"
PASSWORD = "demo-certiflow-2026"  # noqa: S105 — the demo accounts' documented password
EVALUATORS = ("evaluateur1", "evaluateur2", "evaluateur3", "evaluateur4")

#: The trivial views tried for the floor, first that answers 200.
FLOOR_PATHS = ("/api/health", "/login/")
LOGIN_PATH = "/login/"
GRID_API = "/api/assignments/{id}"
MARK_API = "/api/assignments/{id}/marks/{criterion}"
ASSIGNMENTS_API = "/api/assignments?limit=500"
ASSIGNMENTS_PAGE = "/grading/"
GRID_PAGE = "/grading/{id}/"
SAVE_PAGE = "/grading/{id}/criteria/{criterion}/"

COMMENTS = (
    "Analyse incomplète : les sources ne sont pas citées.",
    "Chiffrage incohérent avec le plan d'action.",
    "Livrable rendu hors délai et partiel.",
)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- Infrastructure ---------------------------------------------------------------------------------


def start_postgres(stack: ExitStack) -> str:
    """A throw-away cluster as in shared/RECIPES.md; stopped and removed when ``stack`` closes."""
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
    options = f"-p {port} -k {root / 'sock'} -c listen_addresses={HOST} -c max_connections=200"
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
    return f"postgres://certiflow:certiflow@{HOST}:{port}/certiflow"


def certiflow(env: dict[str, str], *args: str, ok_codes: tuple[int, ...] = (0,)) -> str:
    result = subprocess.run(
        [str(BIN / "certiflow"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode not in ok_codes:
        sys.exit(
            f"certiflow {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout + result.stderr


def start_gunicorn(
    stack: ExitStack, env: dict[str, str], *, workers: int, threads: int, log_path: Path
) -> int:
    """gunicorn on a free port; its output (and Django's warnings: 404, 409…) goes to ``log_path``."""
    port = free_port()
    log_file = stack.enter_context(log_path.open("w"))
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "certiflow.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
         "--log-level", "warning", "--timeout", "60"],
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip

    def stop() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers
                process.wait()

    stack.callback(stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", LOGIN_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                log(f"gunicorn on port {port}: {workers} workers × {threads} threads (gthread)")
                return port
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer within 30 s")


# --- A browser-like client ----------------------------------------------------------------------------


class Client:
    """One keep-alive connection and a cookie jar (Secure cookies are kept: the bench speaks plain HTTP
    to a server that sets them, as DJANGO_DEBUG=0 does)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "max-age=0" not in header.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return response.status, data
        raise AssertionError("unreachable")

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", LOGIN_PATH)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"login page: {status}")
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
        status, _page = self.request(
            "POST",
            LOGIN_PATH,
            body=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed: {status}")

    def json(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict | list | None]:
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        status, data = self.request(method, path, body=body, headers=headers)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None


# --- Measurements -------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    conflicts: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.measuring = False

    def timed(self, kind: str, call, *, ok=(200,), conflict=(409,)):
        start = time.perf_counter()
        try:
            status, data = call()
        except (OSError, http.client.HTTPException) as error:
            status, data = f"exception:{type(error).__name__}", None
        elapsed = time.perf_counter() - start
        if self.measuring:
            with self.lock:
                tally = self.tallies[kind]
                tally.latencies.append(elapsed)
                tally.statuses[str(status)] += 1
                if status in ok:
                    tally.ok += 1
                elif status in conflict:
                    tally.conflicts += 1
                else:
                    tally.errors += 1
        return status, data


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def summary(tally: Tally, seconds: float) -> dict:
    return {
        "requests": len(tally.latencies),
        "ok": tally.ok,
        "conflicts": tally.conflicts,
        "errors": tally.errors,
        "statuses": dict(tally.statuses),
        "throughput_rps": round(len(tally.latencies) / seconds, 1),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(tally.latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
    }


# --- Simulated users ------------------------------------------------------------------------------------


@dataclass
class User:
    number: int
    evaluator: str
    client: Client
    pool: list[int]
    rng: random.Random


def prepare_users(port: int, *, count: int, pool: int) -> list[User]:
    """Sign every user in (not measured) and give each its evaluator's first ``pool`` draft grids."""
    assignments: dict[str, list[int]] = {}
    users = []
    for number in range(count):
        evaluator = EVALUATORS[number % len(EVALUATORS)]
        client = Client(port)
        client.login(evaluator, PASSWORD)
        if evaluator not in assignments:
            assignments[evaluator] = draft_assignments(client, evaluator)[:pool]
        users.append(User(number, evaluator, client, assignments[evaluator], random.Random(number)))
    log(
        f"{count} users signed in: "
        + ", ".join(
            f"{e} × {sum(u.evaluator == e for u in users)} on grids {assignments[e]}" for e in assignments
        )
    )
    return users


def draft_assignments(client: Client, evaluator: str) -> list[int]:
    """The evaluator's draft grids: from the API list, else from the web list ``/grading/`` (drafts first)."""
    status, page = client.json("GET", ASSIGNMENTS_API)
    if status == 200 and isinstance(page, dict):
        drafts = [a["id"] for a in page["items"] if a["status"] == "draft"]
    else:
        log(f"GET {ASSIGNMENTS_API} as {evaluator} answered {status}: reading {ASSIGNMENTS_PAGE} instead")
        status, html = client.request("GET", ASSIGNMENTS_PAGE)
        drafts = list(dict.fromkeys(int(n) for n in re.findall(rb'href="/grading/(\d+)/"', html)))
    if not drafts:
        sys.exit(f"{evaluator} has no draft assignment to grade")
    return drafts


def mark_value(rng: random.Random) -> tuple[str, str]:
    return ("met", "") if rng.random() < 0.8 else ("not_met", rng.choice(COMMENTS))


def floor_loop(user: User, recorder: Recorder, path: str, stop: threading.Event) -> None:
    anonymous = Client(user.client.port)
    while not stop.is_set():
        recorder.timed("floor", lambda: anonymous.request("GET", path))


def api_loop(user: User, recorder: Recorder, stop: threading.Event) -> None:
    client, rng = user.client, user.rng
    while not stop.is_set():
        assignment = rng.choice(user.pool)
        status, grid = recorder.timed(
            "api GET grid", lambda a=assignment: client.json("GET", GRID_API.format(id=a))
        )
        if status != 200 or not isinstance(grid, dict):
            continue
        items = [item for section in grid["sections"] for item in section["criteria"]]
        item = rng.choice(items)
        value, comment = mark_value(rng)
        payload = {
            "value": value,
            "comment": comment,
            "base_revision": (item["mark"] or {}).get("revision", 0),
        }
        path = MARK_API.format(id=assignment, criterion=item["id"])
        recorder.timed("api PUT mark", lambda p=path, b=payload: client.json("PUT", p, b))


_FORM = re.compile(rb'<form id="criterion-(\d+)".*?</form>', re.DOTALL)
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_REVISION = re.compile(rb'name="base_revision" value="(\d+)"')


def web_loop(user: User, recorder: Recorder, stop: threading.Event) -> None:
    client, rng = user.client, user.rng
    while not stop.is_set():
        assignment = rng.choice(user.pool)
        status, page = recorder.timed(
            "web GET grading page", lambda a=assignment: client.request("GET", GRID_PAGE.format(id=a))
        )
        forms = [m for m in _FORM.finditer(page or b"") if _TOKEN.search(m.group(0))] if status == 200 else []
        if not forms:
            continue
        form = rng.choice(forms)
        revision = _REVISION.search(form.group(0))
        value, comment = mark_value(rng)
        body = urlencode(
            {
                "csrfmiddlewaretoken": _TOKEN.search(form.group(0)).group(1).decode(),
                "value": value,
                "comment": comment,
                "base_revision": revision.group(1).decode() if revision else "0",
            }
        ).encode()
        path = SAVE_PAGE.format(id=assignment, criterion=form.group(1).decode())
        headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
        recorder.timed(
            "web POST criterion",
            lambda p=path, b=body, h=headers: client.request("POST", p, body=b, headers=h),
            ok=(200, 302),
        )


def basic_loop(user: User, recorder: Recorder, stop: threading.Event) -> None:
    client = Client(user.client.port)
    credentials = base64.b64encode(f"{user.evaluator}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
    while not stop.is_set():
        assignment = user.rng.choice(user.pool)
        recorder.timed(
            "api-basic GET grid",
            lambda a=assignment: client.request("GET", GRID_API.format(id=a), headers=headers),
        )


def run_scenario(name: str, users: list[User], loop, *, duration: float, warmup: float) -> tuple[dict, float]:
    recorder, stop = Recorder(), threading.Event()
    threads = [threading.Thread(target=loop, args=(user, recorder, stop), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    recorder.measuring = True
    started = time.perf_counter()
    time.sleep(duration)
    recorder.measuring = False
    seconds = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    log(f"{name}: {sum(len(t.latencies) for t in recorder.tallies.values())} requests in {seconds:.1f} s")
    return {kind: summary(tally, seconds) for kind, tally in recorder.tallies.items()}, seconds


def print_table(results: dict[str, dict], floor: dict) -> None:
    header = f"{'request':<24}{'n':>7}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'err':>6}{'409':>6}{'p50×':>7}{'p95×':>7}"
    print(header)
    print("-" * len(header))
    for kind, row in results.items():
        print(
            f"{kind:<24}{row['requests']:>7}{row['throughput_rps']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['errors']:>6}{row['conflicts']:>6}"
            f"{row['p50_ms'] / floor['p50_ms']:>7.1f}{row['p95_ms'] / floor['p95_ms']:>7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each scenario")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--pool", type=int, default=4, help="grids each evaluator's users share")
    parser.add_argument(
        "--scenarios", default="floor,api,web,api-basic", help="comma-separated: floor, api, web, api-basic"
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]

    with ExitStack() as stack:
        var_dir = Path(tempfile.mkdtemp(prefix="certiflow-bench-var-"))
        stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
        database_url = os.environ.get("DATABASE_URL") or start_postgres(stack)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "CERTIFLOW_VAR_DIR": str(var_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        started = time.perf_counter()
        certiflow(env, "migrate", "--no-input", "-v", "0")
        certiflow(env, "load_seeds")
        output = certiflow(
            env, "demo", "--stage", "enrolled", "--candidates", str(args.candidates), "--password", PASSWORD,
            ok_codes=(0, 2),
        )  # fmt: skip
        if "already exists" in output:
            log("the database already holds the demo session: using it")
        log(f"database ready in {time.perf_counter() - started:.1f} s (migrate, seeds, demo)")
        port = start_gunicorn(
            stack, env, workers=args.workers, threads=args.threads, log_path=var_dir / "gunicorn.log"
        )

        probe = Client(port)
        floor_path = next(p for p in FLOOR_PATHS if probe.request("GET", p)[0] == 200)
        users = prepare_users(port, count=args.users, pool=args.pool)

        loops = {
            "floor": lambda user, recorder, stop: floor_loop(user, recorder, floor_path, stop),
            "api": api_loop,
            "web": web_loop,
            "api-basic": basic_loop,
        }
        results: dict[str, dict] = {}
        for name in scenarios:
            measured, _seconds = run_scenario(
                name, users, loops[name], duration=args.duration, warmup=args.warmup
            )
            results.update(measured)
        if "floor" not in results:
            sys.exit("the floor scenario is needed for the ratios")
        floor = results["floor"]
        for row in results.values():
            row["p50_ratio_to_floor"] = round(row["p50_ms"] / floor["p50_ms"], 2)
            row["p95_ratio_to_floor"] = round(row["p95_ms"] / floor["p95_ms"], 2)
            row["throughput_ratio_to_floor"] = round(row["throughput_rps"] / floor["throughput_rps"], 3)

        print(f"\nfloor: GET {floor_path}; {args.users} users, {args.duration:.0f} s per scenario\n")
        print_table(results, floor)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        report = {
            "benchmark": "grading",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "commit": commit,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "settings": {
                "users": args.users,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
                "candidates": args.candidates,
                "pool": args.pool,
                "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "throw-away PostgreSQL 15",
                "floor": f"GET {floor_path}",
            },
            "results": results,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"written {args.output}")


if __name__ == "__main__":
    main()

"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# live_server runs Django in a thread while Playwright's sync API runs an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CERTIFLOW_REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"Browser tests required but Chromium is missing at {CHROMIUM} (apt install chromium)."
        )
    skip = pytest.mark.skip(reason="Chromium is not installed (apt install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True, scope="session")
def _close_database_connections_before_the_browser(django_db_setup, django_db_blocker):
    """Close the connections opened so far, before Playwright starts its event loop. Django keeps
    connections per context, and once the loop runs the test code no longer sees these: left open,
    one would stop PostgreSQL from dropping the test database at the end of the run."""
    from django.db import connections

    with django_db_blocker.unblock():
        connections.close_all()


@pytest.fixture(autouse=True, scope="session")
def _close_database_connections_before_the_browser_stops(playwright, django_db_blocker):
    """The same at the other end: close the connections opened while the loop ran, before it stops."""
    from django.db import connections

    yield
    with django_db_blocker.unblock():
        connections.close_all()

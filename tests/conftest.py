import os
from pathlib import Path

import pytest
from django.utils import translation

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The three source documents, kept byte for byte in the shared folder beside the repository.
SEEDS_DIR = Path(os.environ.get("CERTIFLOW_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))
SEED_000 = SEEDS_DIR / "000_4ae278d368183100.txt"
SEED_001 = SEEDS_DIR / "001_c459e45e6be1a8f1.txt"
SEED_003 = SEEDS_DIR / "003_0ffbd60cb05e4341.txt"


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {
        "000": SEED_000.read_text(encoding="utf-8"),
        "001": SEED_001.read_text(encoding="utf-8"),
        "003": SEED_003.read_text(encoding="utf-8"),
    }


def pytest_configure(config):
    from django.conf import settings

    # Hashing passwords at production strength costs ~0.3 s per user created; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A connection kept open by the live server's thread would stop PostgreSQL from dropping the test
    # database at the end; tests close each connection after its request, as CONN_MAX_AGE=0 does.
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0
    if not SEED_000.is_file():
        raise pytest.UsageError(
            f"The seed documents are not at {SEEDS_DIR}: the tests read them from the shared folder beside "
            "the repository; set CERTIFLOW_SEEDS_DIR to their folder."
        )


@pytest.fixture
def client():
    """A test client that reads pages in English, like the rest of the tests; French-first pages are
    tested with a plain ``django.test.Client``, which has no language cookie."""
    from django.conf import settings
    from django.test import Client

    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return english


@pytest.fixture(autouse=True, scope="session")
def english_by_default():
    translation.activate("en")


@pytest.fixture(autouse=True)
def english_messages(english_by_default):
    """Domain and command-line messages in English, so tests read them as the code writes them.

    Pages are unaffected: each request activates its own language (French unless the user chose).
    """
    with translation.override("en"):
        yield

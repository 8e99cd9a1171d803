"""``certiflow …`` and ``python -m certiflow …``: the project's command line (Django's, with our commands)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certiflow.common.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["certiflow", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

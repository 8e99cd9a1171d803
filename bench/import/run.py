"""Import benchmark: time per seed document and per MB, as a ratio to reading and tokenising it.

For each seed document (and a synthetic document of the same layout about 1 MB large, to see how
parsing grows), three measurements, best of N runs:

- floor: read the bytes, decode them, split them into tokens (what any reader of the file must do);
- parse: ``read_document`` (decode, detect the layout, build the canonical structure);
- import: parse and write into a fresh SQLite database (one transaction), then roll back.

Usage: ``python bench/import/run.py [--repeat N] [--seeds DIR]``. Writes bench/results/import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"\w+|[^\w\s]")


def best_of(repeat: int, function) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def synthetic_html_table(seed: str, target_bytes: int) -> str:
    """The 000 layout grown by repeating its blocs with renumbered codes, to about target_bytes."""
    rows = seed.split("\n")
    body, copies, out = "\n".join(rows[7:]), 0, [*rows[:7]]
    size = 0
    while size < target_bytes:
        bloc_shift, code_shift = copies * 4, copies * 100
        copy = re.sub(
            r"BLOC DE COMPÉTENCES (\d+)",
            lambda m, shift=bloc_shift: f"BLOC DE COMPÉTENCES {int(m.group(1)) + shift}",
            body,
        )
        copy = re.sub(
            r"\b([ACE])(\d+)\b", lambda m, shift=code_shift: f"{m.group(1)}{int(m.group(2)) + shift}", copy
        )
        out.append(copy)
        size += len(copy.encode())
        copies += 1
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certiflow.common.settings")
    os.environ["CERTIFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="certiflow-bench-")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from certiflow.frameworks.domain.imports import import_framework, prepare_document
    from certiflow.frameworks.importers import read_document

    call_command("migrate", verbosity=0)

    documents = {path.name: path.read_bytes() for path in sorted(args.seeds.glob("0*.txt"))}
    big = synthetic_html_table(documents["000_4ae278d368183100.txt"].decode(), 1_000_000)
    documents["synthetic_html_table_1MB.txt"] = big.encode()

    class Rollback(Exception):
        pass

    def import_once(raw: bytes, name: str) -> None:
        try:
            with transaction.atomic():
                for result in read_document(raw, name=name):
                    document = prepare_document(
                        result.document,
                        code=None if result.document.get("code") else "BENCH",
                        title=result.document.get("title") or "Bench",
                    )
                    import_framework(document=document)
                raise Rollback
        except Rollback:
            pass

    rows = []
    for name, raw in documents.items():
        floor = best_of(args.repeat, lambda raw=raw: TOKEN.findall(raw.decode("utf-8")))
        parse = best_of(args.repeat, lambda raw=raw, name=name: read_document(raw, name=name))
        full = best_of(max(2, args.repeat // 2), lambda raw=raw, name=name: import_once(raw, name))
        megabytes = len(raw) / 1_000_000
        rows.append(
            {
                "document": name,
                "bytes": len(raw),
                "floor_ms": round(floor * 1000, 3),
                "parse_ms": round(parse * 1000, 3),
                "import_ms": round(full * 1000, 3),
                "parse_ms_per_mb": round(parse * 1000 / megabytes, 1),
                "import_ms_per_mb": round(full * 1000 / megabytes, 1),
                "parse_vs_floor": round(parse / floor, 1),
                "import_vs_floor": round(full / floor, 1),
            }
        )
    header = f"{'document':34} {'KB':>7} {'floor ms':>9} {'parse ms':>9} {'import ms':>10} {'parse/MB':>9} {'parse÷floor':>12} {'import÷floor':>13}"
    print(header)
    for row in rows:
        print(
            f"{row['document']:34} {row['bytes'] / 1000:7.1f} {row['floor_ms']:9.2f} {row['parse_ms']:9.2f} "
            f"{row['import_ms']:10.2f} {row['parse_ms_per_mb']:9.1f} {row['parse_vs_floor']:12.1f} {row['import_vs_floor']:13.1f}"
        )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "import.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"written {results / 'import.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()

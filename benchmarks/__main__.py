"""Run a benchmark: ``python -m benchmarks NAME [ARGS]`` (``make bench BENCH_ARGS="NAME ..."``).

Each benchmark prints its measurements and the ratios against the reference tool measured in the
same run. ``python -m benchmarks --list`` names them.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "erlang": "benchmarks.erlang",
    "forecast": "benchmarks.forecast",
    "kpis": "benchmarks.kpis",
    "schedule": "benchmarks.schedule",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "--list"}:
        print("usage: python -m benchmarks {" + ",".join(BENCHMARKS) + "} [ARGS]")
        for name, module in BENCHMARKS.items():
            doc = (importlib.import_module(module).__doc__ or "").strip().splitlines()[0]
            print(f"  {name:<10} {doc}")
        return 0 if argv else 2
    name, *rest = argv
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    return int(importlib.import_module(BENCHMARKS[name]).main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

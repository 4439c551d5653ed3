"""Run the benchmarks and print Markdown tables (ready to paste into the README).

    python -m bench                 # every benchmark, in the order of BENCHMARKS
    python -m bench engine          # one (or several) by name
    python -m bench --quick         # a fast smoke run with fewer rounds (numbers are rougher)

Each benchmark is a module of this package with a ``TITLE`` and a function ``run(quick=False) -> int``
that prints its tables and returns an exit status (nonzero on a failed check). To add one (training of
the examples, app pages, ...), write the module and add a line to BENCHMARKS (and to ON_REQUEST if it should
run only when named).

Both NumPy and PyTorch are held to one thread; the variables below must be set before either is imported,
so this module imports the benchmarks lazily, after setting them.
"""

import argparse
import importlib
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

#: name -> module; `python -m bench` runs them in this order
BENCHMARKS = {
    "parity": "bench.parity",
    "engine": "bench.engine",
    "training": "bench.training",
    "pages": "bench.pages",
    "stepping": "bench.stepping",
    "first_load": "bench.first_load",
    "classroom": "bench.classroom",
    "sessions": "bench.sessions",
    "text": "bench.text",
}
#: run only when named: classroom (`make bench-classroom`) starts replicas and a proxy and loads them for a
#: minute (sessions, the memory of a session, likewise); stepping is also part of pages; first_load (Chromium, a
#: few minutes) when asked
ON_REQUEST = {"classroom", "sessions", "stepping", "first_load"}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run: {', '.join(BENCHMARKS)} "
                        f"(default: all but {', '.join(sorted(ON_REQUEST))})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run, not numbers to publish")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    status = 0
    for name in args.names or [n for n in BENCHMARKS if n not in ON_REQUEST]:
        module = importlib.import_module(BENCHMARKS[name])
        print(f"## {module.TITLE}\n", flush=True)
        status = max(status, int(module.run(quick=args.quick) or 0))
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

import os
import sys
from pathlib import Path

# One BLAS thread per test process: the suite runs two processes on two cores, and threaded BLAS on these
# small matrices spins and slows every process down many times over. Must happen before NumPy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# the tests import the project's packages from a fresh clone without installing them
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

"""The kernel loads numba's numpy support without SciPy's linear algebra (0.1 s a process),
and SciPy stays usable afterwards: in a fresh interpreter, as an `hsct outcomes` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, sys
from hsct.outcomes import build_cohort, progression
from hsct.outcomes.synthetic import generate

data = generate(30, seed=2)
cohort = build_cohort(data.visits, data.relapses, None, None, strict=False)
events = len(progression(cohort).events)
loaded = "scipy.linalg" in sys.modules
import numba.np.arraymath as arraymath
import scipy.linalg
import lifelines  # Kaplan-Meier curves, through SciPy

print(json.dumps({"events": events, "linalg_during_search": loaded,
                  "numba_blas": arraymath._HAVE_BLAS, "linalg_after": scipy.linalg.__name__}))
"""


def test_the_search_runs_without_scipy_linalg_and_scipy_works_after() -> None:
    done = subprocess.run(  # this interpreter, a fixed script; numba's kernel, not the built one
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "HSCT_KERNEL": "jit"},
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["events"] > 0
    assert seen["linalg_during_search"] is False
    assert seen["numba_blas"] is False  # numba saw no BLAS: the kernel uses no matrix product
    assert seen["linalg_after"] == "scipy.linalg"

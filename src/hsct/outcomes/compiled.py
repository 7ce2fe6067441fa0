"""The kernel's compiled functions: built ahead of time when they can be, else numba's.

Importing numba and loading the kernel from numba's cache costs about 0.5-0.8 s of every
``hsct outcomes`` process, several times the search itself on 10,000 patients (issue 17).
``make`` therefore compiles the kernel ahead of time (:mod:`hsct.outcomes.aot`, numba's
``pycc``) into an extension module beside this file, with a manifest naming the argument
types of each function and the SHA-256 of the sources it was built from.

A call goes to the ahead-of-time function whose argument types match exactly (dtype,
dimensions, C order, writeable and aligned arrays; Python or numpy scalars as numba types
them); anything else goes to numba's just-in-time function, compiled or loaded from its
cache as before. The module is ignored when its manifest's sources differ from the files
here (a kernel changed since the build), when it was built by another numba, or when
``HSCT_KERNEL=jit``. Both kinds give identical results (tests/outcomes/test_compiled.py).

The ahead-of-time functions hold the GIL, so a search on several threads uses numba's
(:func:`jit`); by default a search uses several threads only when numba is loaded already
or the cohort is large enough for the threads to pay for loading it (:func:`parallel_pays`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np

# Event kinds written by the search. Modes (options.EVENT_MODES order) and baseline schemes
# (options.BASELINE_SCHEMES order). The kernel takes them from here, so they are part of
# the sources the ahead-of-time module is checked against.
NONE, CDW, RAW, PIRA, CDI = 0, 1, 2, 3, 4
FIRST_CDW, FIRST_CDI, FIRST, FIRST_PIRA, FIRST_RAW, MULTIPLE = 0, 1, 2, 3, 4, 5
FIXED, ROVING, ROVING_IMPR, ROVING_WORS = 0, 1, 2, 3
#: The missing instant in the event columns (``datetime64[s]``'s NaT).
NAT: Final = int(np.iinfo(np.int64).min)
DAY_SECONDS: Final = 86_400

HERE: Final = Path(__file__).resolve().parent
#: The extension module and its manifest (both made by ``make``, never committed).
MODULE: Final = "hsct.outcomes._kernel_aot"
MANIFEST: Final = HERE / "_kernel_aot.json"
#: The files whose bytes the manifest's digest covers.
SOURCES: Final = ("kernel.py", "compiled.py", "aot.py")
#: A default search uses several threads from this many visits on (about 100,000 patients)
#: when numba is not loaded yet: below it, loading numba costs more than the threads save.
PARALLEL_VISITS: Final = 2_000_000

#: An argument's type as the manifest writes it: ["array", dtype, ndim, layout, mutable,
#: aligned], ["int" | "uint" | "float", bits], ["bool"] or ["tuple", [items]].
Spec = list[Any]


def sources_digest(folder: Path = HERE) -> str:
    """SHA-256 over the kernel's source files, in order."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def build_versions() -> dict[str, str]:
    """The versions the built module depends on: numba, llvmlite and numpy."""
    from importlib.metadata import version  # noqa: PLC0415 - only when a manifest is read

    return {name: version(name) for name in ("numba", "llvmlite", "numpy")}


def cpu_digest() -> str:
    """SHA-256 of this processor's model and feature flags (Linux), "" where unknown: the
    module is compiled for the processor it is built on."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    first = text.split("\n\n", 1)[0].splitlines()
    wanted = [line for line in first if line.split(":")[0].strip() in {"model name", "flags"}]
    return hashlib.sha256("\n".join(wanted).encode()).hexdigest()


class _State:
    """What this process uses: the ahead-of-time variants by function, loaded once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.variants: dict[str, list[tuple[Spec, Callable[..., Any]]]] | None = None
        self.reason = "not loaded yet"
        self.forced = threading.local()  # depth of this thread's ``forced_jit()`` blocks
        self.aot_calls = 0


_STATE: Final = _State()


def load(manifest: Path = MANIFEST, module: str = MODULE) -> str:
    """Load the ahead-of-time functions (once a process); why they are not used, or "".

    ``manifest`` and ``module`` are parameters for the tests.
    """
    with _STATE.lock:
        if _STATE.variants is not None and manifest == MANIFEST:
            return _STATE.reason
        variants, reason = _read(manifest, module)
        if manifest == MANIFEST:
            _STATE.variants, _STATE.reason = variants, reason
        return reason


def _read(  # noqa: PLR0911 - one reason each
    manifest: Path, module: str
) -> tuple[dict[str, list[tuple[Spec, Any]]], str]:
    if os.environ.get("HSCT_KERNEL", "").lower() == "jit":
        return {}, "HSCT_KERNEL=jit"
    try:
        described = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, "not built (run make)"
    if described.get("sources") != sources_digest(manifest.parent):
        return {}, "built from other sources (run make)"
    if described.get("cpu") != cpu_digest():
        return {}, "built for another processor (run make)"
    try:
        if described.get("versions") != build_versions():
            return {}, "built by another numba or numpy (run make)"
        built = manifest.parent / str(described.get("module", ""))
        if described.get("module_sha256") != hashlib.sha256(built.read_bytes()).hexdigest():
            return {}, "the module is not the one the manifest describes (run make)"
        compiled = importlib.import_module(module)
    except (ImportError, OSError) as error:
        return {}, f"cannot be imported ({type(error).__name__})"
    found: dict[str, list[tuple[Spec, Any]]] = {}
    for name, exports in described.get("functions", {}).items():
        found[name] = [(entry["args"], getattr(compiled, entry["export"])) for entry in exports]
    return found, ""


def status() -> str:
    """``"ahead of time"``, or ``"numba (why)"``: how this process runs the kernel."""
    reason = load()
    return "ahead of time" if not reason else f"numba ({reason})"


@contextmanager
def forced_jit() -> Iterator[None]:
    """Inside this block every call from this thread goes to numba (the server's warm-up
    loads both kinds; other threads, such as requests, are not affected)."""
    _STATE.forced.depth = jit_forced() + 1
    try:
        yield
    finally:
        _STATE.forced.depth -= 1


def jit_forced() -> int:
    """How many ``forced_jit()`` blocks this thread is in."""
    depth: int = getattr(_STATE.forced, "depth", 0)
    return depth


def jit(name: str) -> Callable[..., Any]:
    """numba's just-in-time function ``name`` (imports numba and the kernel)."""
    from hsct.outcomes import kernel  # noqa: PLC0415 - numba only when it is needed

    function: Callable[..., Any] = getattr(kernel, name)
    return function


def parallel_pays(n_visits: int) -> bool:
    """Whether a default search should use every core: numba is loaded already, the
    ahead-of-time functions are not in use, or the cohort is large."""
    return "numba" in sys.modules or bool(load()) or n_visits >= PARALLEL_VISITS


def cores() -> int:
    """The cores this process may use, as numba counts them (``NUMBA_NUM_THREADS`` first)."""
    if "numba" in sys.modules:
        return max(1, int(sys.modules["numba"].config.NUMBA_NUM_THREADS))
    try:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    except (KeyError, ValueError):
        return max(1, len(os.sched_getaffinity(0)))


def _matches(spec: Spec, value: Any) -> bool:  # noqa: PLR0911 - one test per kind
    """Whether numba would type ``value`` exactly as ``spec`` (else the call goes to numba)."""
    kind = spec[0]
    if kind == "array":
        _, dtype, ndim, layout, mutable, aligned = spec
        return (
            type(value) is np.ndarray
            and value.dtype.str == dtype
            and value.ndim == ndim
            and (layout != "C" or value.flags.c_contiguous)
            and (not mutable or value.flags.writeable)
            and (not aligned or value.flags.aligned)
        )
    if kind in {"int", "uint", "float"}:
        if type(value) is int and kind == "int":
            return bool(spec[1] == 64 and -(2**63) <= value < 2**63)
        if type(value) is float and kind == "float":
            return bool(spec[1] == 64)
        # The exact numpy type: np.timedelta64 is a signed integer subclass, typed otherwise.
        return type(value) is np.dtype(f"{kind}{spec[1]}").type
    if kind == "bool":
        return type(value) is bool or type(value) is np.bool_
    if kind == "tuple":
        items = spec[1]
        return (
            type(value) is tuple
            and len(value) == len(items)
            and all(_matches(s, v) for s, v in zip(items, value, strict=True))
        )
    return False


class Function:
    """One kernel function: the ahead-of-time variant whose types match, else numba's."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any) -> Any:
        load()
        variants = _STATE.variants or {}
        if not jit_forced():
            for spec, function in variants.get(self.name, ()):
                if len(spec) == len(args) and all(
                    _matches(s, a) for s, a in zip(spec, args, strict=True)
                ):
                    _STATE.aot_calls += 1
                    return function(*args)
        return jit(self.name)(*args)


#: The functions the engine calls (the kernel's public names).
FUNCTIONS: Final = (
    "search_block",
    "event_columns",
    "patient_counts",
    "edss_grid",
    "is_sorted",
    "sorted_codes",
    "lookup",
    "offsets",
    "same_day",
    "compact",
    "before_time_zero",
    "first_relapse",
    "mri_days",
    "rebaseline_scans",
)

search_block = Function("search_block")
event_columns = Function("event_columns")
patient_counts = Function("patient_counts")
edss_grid = Function("edss_grid")
is_sorted = Function("is_sorted")
sorted_codes = Function("sorted_codes")
lookup = Function("lookup")
offsets = Function("offsets")
same_day = Function("same_day")
compact = Function("compact")
before_time_zero = Function("before_time_zero")
first_relapse = Function("first_relapse")
mri_days = Function("mri_days")
rebaseline_scans = Function("rebaseline_scans")


def aot_calls() -> int:
    """How many calls the ahead-of-time functions answered in this process (for tests)."""
    return _STATE.aot_calls

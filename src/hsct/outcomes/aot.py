"""Build the kernel ahead of time: ``python -m hsct.outcomes.aot`` (``make`` runs it).

numba compiles every function of :mod:`hsct.outcomes.kernel` for the argument types the
engine really passes (the server's warm-up, run with the just-in-time functions), and each
of those compilations is exported from one extension module (numba's ``pycc``) beside
:mod:`hsct.outcomes.compiled`, with a manifest: the exported name and argument types of
each variant, the numba version, and the SHA-256 of the kernel's sources. The module is
for this machine's CPU and Python; it is never committed (``.gitignore``).

numba marks ``pycc`` as pending deprecation (since 0.57; still present in 0.68). Without it
the engine runs as before, on numba's just-in-time functions.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from hsct.outcomes.compiled import FUNCTIONS, HERE, MANIFEST, MODULE, Spec, sources_digest


def spec_of(kind: Any) -> Spec | None:
    """The manifest's form of one numba argument type; None for a type it cannot check."""
    import numpy as np  # noqa: PLC0415
    from numba.core import types  # noqa: PLC0415 - numba only at build time
    from numba.np.numpy_support import as_dtype  # noqa: PLC0415

    if isinstance(kind, types.Array):
        dtype = np.dtype(as_dtype(kind.dtype)).str
        return ["array", dtype, kind.ndim, kind.layout, kind.mutable, kind.aligned]
    if isinstance(kind, types.Boolean):
        return ["bool"]
    if isinstance(kind, types.Integer):
        number: Any = kind
        return ["int" if number.signed else "uint", number.bitwidth]
    if isinstance(kind, types.Float):
        return ["float", kind.bitwidth]
    if isinstance(kind, types.BaseTuple):
        members: Any = kind
        items = [spec_of(item) for item in members.types]
        return None if any(item is None for item in items) else ["tuple", items]
    return None


def build(out: Path = HERE) -> dict[str, Any]:
    """Compile every variant the warm-up uses into ``out``; returns the manifest written."""
    sources = sources_digest(HERE)  # before anything is compiled from them
    from hsct.outcomes import compiled, kernel  # noqa: PLC0415 - numba only at build time
    from hsct.outcomes.warmup import warm_up  # noqa: PLC0415

    with compiled.forced_jit():
        warm_up()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation
        pycc: Any = importlib.import_module("numba.pycc")

    name = MODULE.rpartition(".")[2]
    cc = pycc.CC(name)
    cc.target_cpu = "host"  # built where it runs, like numba's own cache
    functions: dict[str, list[dict[str, Any]]] = {}
    for function in FUNCTIONS:
        dispatcher = getattr(kernel, function)
        for number, result in enumerate(dispatcher.overloads.values()):
            signature = result.signature
            args = [spec_of(kind) for kind in signature.args]
            if any(arg is None for arg in args):
                continue  # such a call goes to numba
            export = f"{function}_{number}"
            cc.export(export, signature)(dispatcher.py_func)
            functions.setdefault(function, []).append({"export": export, "args": args})
    with tempfile.TemporaryDirectory() as scratch:
        cc.output_dir = scratch
        cc.verbose = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc.compile()
        built = next(Path(scratch).glob(f"{name}.*"))
        target = out / built.name
        built.replace(target)
    if sources_digest(HERE) != sources:
        target.unlink()
        raise SystemExit("the kernel's sources changed during the build; run make again")
    manifest = {
        "sources": sources,
        "versions": compiled.build_versions(),
        "cpu": compiled.cpu_digest(),
        "python": sys.implementation.cache_tag,
        "module": target.name,
        "module_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "functions": functions,
    }
    (out / MANIFEST.name).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    """Build into the package folder and say what was built."""
    started = time.perf_counter()
    manifest = build()
    count = sum(len(variants) for variants in manifest["functions"].values())
    sys.stdout.write(
        f"kernel built ahead of time: {count} variants of {len(manifest['functions'])} "
        f"functions in {manifest['module']} ({time.perf_counter() - started:.1f} s)\n"
    )


if __name__ == "__main__":
    main()

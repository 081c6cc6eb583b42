"""Several ``python -m sim`` invocations in ONE subprocess, each through Hydra's real entry point.

Starting Python and importing the package costs ~1.5 s per subprocess; a batch pays it once. Each
case runs ``sim.__main__.main`` with its own ``sys.argv`` (so Hydra parses the overrides, runs the
callbacks and creates, or does not create, the run directory exactly as on the command line),
with stderr captured, and reports its exit status. Use it for cases that stop before the first
step or run a few steps; a case that needs a clean process (signals, umask) keeps its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRIVER = r"""
import contextlib, io, json, sys
from hydra.core.global_hydra import GlobalHydra
import sim.__main__ as entry

results = []
for argv in json.loads(sys.argv[1]):
    GlobalHydra.instance().clear()
    sys.argv = ["sim", *argv]
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            entry.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # a traceback the real CLI would print
            import traceback
            traceback.print_exc(file=err)
            code = 1
    results.append({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


def run_batch(
    cases: list[list[str]], base: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> list[types.SimpleNamespace]:
    """Run each override list as ``python -m sim hydra.run.dir=<base>/<i> figures=false ...``.

    Returns one object per case with ``returncode``, ``stdout``, ``stderr`` and ``run_dir``.
    """
    argvs = [
        [f"hydra.run.dir={base / str(i)}", "figures=false", *case] for i, case in enumerate(cases)
    ]
    hidden = ("SIM_TRACEBACK", "HYDRA_FULL_ERROR")
    full_env = {k: v for k, v in os.environ.items() if k not in hidden}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(argvs)],
        cwd=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return [types.SimpleNamespace(**r, run_dir=base / str(i)) for i, r in enumerate(results)]

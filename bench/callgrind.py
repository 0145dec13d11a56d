"""Instruction counts from callgrind for the benchmarks that need load-independent figures.

The measured child wraps the work to count in one ``functools.reduce`` call;
callgrind collects only inside it (``--toggle-collect``). String hashing is
fixed (PYTHONHASHSEED=0) so runs repeat.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile


def collected(script: str, *args: str, env: dict[str, str] | None = None) -> int:
    """Instructions executed inside ``functools.reduce`` by ``python script args`` under callgrind
    (``env``: the child's environment, this process's by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", "--toggle-collect=*functools_reduce*",
             sys.executable, script, *args],
            capture_output=True, text=True, env={**(os.environ if env is None else env), "PYTHONHASHSEED": "0"}, check=True,
        )
    m = re.search(r"Collected : (\d+)", out.stderr)
    if m is None:
        raise RuntimeError(f"no instruction count from callgrind:\n{out.stderr[-2000:]}")
    return int(m.group(1))

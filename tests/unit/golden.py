# SPDX-License-Identifier: MIT
"""Golden files for the unit suite's scripts (test-graph.py, test-import.py):
NETSIM_UPDATE_GOLDEN=1 rewrites them (review the diff)."""
import difflib
import os


def check(path, got, update, fail, label, hint):
    """Compares got with the golden file at path, or writes it when update. A missing file or a
    difference goes to fail(message), naming label (hint: the command that rewrites it). Returns
    True when got equals the file."""
    if update:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(got)
        return False
    try:
        with open(path) as f:
            want = f.read()
    except FileNotFoundError:
        fail(f"{label}: no golden file {path} ({hint} writes it: review it)")
        return False
    if want != got:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), path, "got", n=2))
        fail(f"{label} differs from its golden file (if intended: {hint}, review git diff):\n{diff[:4000]}")
        return False
    return True

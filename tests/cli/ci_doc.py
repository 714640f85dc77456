#!/usr/bin/env python3
"""docs/ci.md's GitHub Actions workflow and GitLab CI job, read as YAML.

  ci_doc.py check DOC      parse both with a YAML parser and check what the page
                           promises (the `ci-doc` test); exit 0 or 1
  ci_doc.py steps DOC      print the shell steps each one runs
  ci_doc.py run DOC DIR    run the GitHub job's shell steps, then the GitLab
                           job's, in DIR (a copy of the source tree), as the
                           CI would: bash -e, one step after another
"""
import re
import shlex
import subprocess
import sys

import yaml


def blocks(doc):
    """The ```yaml blocks of the page, by the file named on their first line."""
    found = {}
    for m in re.finditer(r"^```yaml\n(.*?)^```", open(doc, encoding="utf-8").read(), re.S | re.M):
        text = m.group(1)
        first = text.splitlines()[0]
        if first.startswith("# "):
            found[first[2:].strip()] = text
    return found


def netsim_test_outputs(cmd):
    """--junit FILE and --pcap DIR of a `netsim test` command line."""
    args = shlex.split(cmd)
    assert any(a.endswith("netsim") for a in args) and "test" in args, cmd
    junit = args[args.index("--junit") + 1]
    pcap = args[args.index("--pcap") + 1]
    return junit, pcap


def github(text):
    wf = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as True
    assert wf.get("on", wf.get(True)) is not None, "no trigger"
    jobs = wf["jobs"]
    assert len(jobs) == 1, jobs
    job = next(iter(jobs.values()))
    assert job["runs-on"].startswith("ubuntu"), job["runs-on"]
    assert job["container"]["image"] == "debian:12", job["container"]
    assert "--privileged" in job["container"]["options"].split(), job["container"]
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@"), steps[0]
    runs = [s["run"] for s in steps if "run" in s]
    lines = [l.strip() for r in runs for l in r.splitlines() if l.strip()]
    assert lines[0] == "scripts/setup", lines
    assert "meson setup build" in lines and "ninja -C build" in lines, lines
    tests = [l for l in lines if " test " in l]
    assert len(tests) == 1, lines
    junit, pcap = netsim_test_outputs(tests[0])
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(upload) == 1, steps
    assert upload[0]["if"] == "always()", upload[0]
    paths = upload[0]["with"]["path"].split()
    assert junit in paths and pcap.rstrip("/") + "/" in paths, (junit, pcap, paths)
    return lines


def gitlab(text):
    ci = yaml.safe_load(text)
    assert len(ci) == 1, ci
    job = next(iter(ci.values()))
    assert job["image"] == "debian:12", job
    lines = job["script"]
    assert lines[0] == "scripts/setup", lines
    assert "meson setup build" in lines and "ninja -C build" in lines, lines
    tests = [l for l in lines if " test " in l]
    assert len(tests) == 1, lines
    junit, pcap = netsim_test_outputs(tests[0])
    art = job["artifacts"]
    assert art["when"] == "always", art
    assert art["reports"]["junit"] == junit, art
    assert junit in art["paths"] and pcap.rstrip("/") + "/" in art["paths"], art
    return lines


def jobs(doc):
    b = blocks(doc)
    for want in (".github/workflows/netsim.yml", ".gitlab-ci.yml"):
        assert want in b, "docs/ci.md has no ```yaml block starting '# %s'" % want
    return {
        "GitHub Actions": github(b[".github/workflows/netsim.yml"]),
        "GitLab CI": gitlab(b[".gitlab-ci.yml"]),
    }


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "steps", "run"):
        sys.exit(__doc__)
    try:
        found = jobs(sys.argv[2])
    except (AssertionError, AttributeError, KeyError, IndexError, TypeError, ValueError, yaml.YAMLError) as e:
        print("ci-doc: %s: %s: %s" % (sys.argv[2], type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
    if sys.argv[1] == "check":
        print("ci-doc: both jobs parse and hold what docs/ci.md says")
    elif sys.argv[1] == "steps":
        for name, lines in found.items():
            print("# " + name)
            print("\n".join(lines))
    else:
        cwd = sys.argv[3]
        for name, lines in found.items():
            subprocess.run(["rm", "-rf", "build"], cwd=cwd, check=True)
            for line in lines:
                print("ci-doc: %s: $ %s" % (name, line), flush=True)
                r = subprocess.run(["bash", "-e", "-c", line], cwd=cwd)
                if r.returncode:
                    print("ci-doc: %s: exit %d" % (name, r.returncode), file=sys.stderr)
                    sys.exit(r.returncode)
        print("ci-doc: every step of both jobs passed in %s" % cwd)


if __name__ == "__main__":
    main()

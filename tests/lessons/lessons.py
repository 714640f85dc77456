#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The tutorial (docs/tutorial/) and its topologies (topologies/lessons/) cannot rot.

Usage: lessons.py SOURCE_ROOT NETSIM

1. Every lesson NN-NAME.yaml has its page docs/tutorial/NN-NAME.md, listed in docs/tutorial/README.md;
   every variant NN-NAME.break-WHAT.yaml has its lesson, and the page names every file of its lesson.
2. `netsim analyze` holds every expectation of every lesson and variant (exit 0): a variant's
   `blocked_by:` must name what the model finds deciding, its `verdict: intermittent` must be so.
3. A variant breaks something: an expectation of its lesson (the same from and to) gets another verdict
   or another reason, and each such expectation says why (`blocked_by:`) or says `verdict:
   intermittent`; its third line says "# Break it: ...".
4. Every ```console block of every page: each `$ netsim ...` line is run (no root: validate, analyze,
   show, graph...) from SOURCE_ROOT, and its output (stdout and stderr, as one stream) must be the lines
   that follow it, exactly. `$ sudo netsim test FILE` blocks are run by the netns test
   tests/netns/test_lessons.c. NETSIM_UPDATE_GOLDEN=1 rewrites the outputs of `$ netsim` lines (review
   the diff: it is what the pages say you will see).
5. Every lesson page draws its lesson: a ```mermaid block under the comment
   `<!-- $ netsim graph FILE --format mermaid --flows -->` is that command's output, exactly; and the SVG
   it links, images/NN-NAME.svg (`netsim graph FILE --flows -o ...`), is well-formed and names every
   host of FILE. NETSIM_UPDATE_GOLDEN=1 rewrites both.
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

try:
    import yaml
except ImportError as e:
    print(f"lessons: {e}: install python3-yaml (scripts/setup)", file=sys.stderr)
    sys.exit(1)

ROOT = os.path.abspath(sys.argv[1])
NETSIM = os.path.abspath(sys.argv[2])
UPDATE = os.environ.get("NETSIM_UPDATE_GOLDEN") == "1"
TOPO = os.path.join(ROOT, "topologies/lessons")
DOCS = os.path.join(ROOT, "docs/tutorial")
fails = 0


def bad(msg):
    global fails
    fails += 1
    print(f"FAIL: {msg}")


def netsim(args, stderr=subprocess.STDOUT):
    """Exit status and output (stdout and stderr as one stream, or stdout alone with stderr=PIPE)."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("NETSIM_JSON", None)
    p = subprocess.run([NETSIM, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    return p.returncode, p.stdout + (p.stderr if p.returncode and p.stderr else "")


def analyze(rel):
    p = subprocess.run([NETSIM, "analyze", rel, "--json"], cwd=ROOT, capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        doc = None
    return p.returncode, doc, p.stderr


# ---- 1. files ----
lessons, variants = {}, {}
for path in sorted(glob.glob(os.path.join(TOPO, "*.yaml"))):
    base = os.path.basename(path)
    m = re.fullmatch(r"(\d\d-[a-z0-9-]+)(?:\.break-([a-z0-9-]+))?\.yaml", base)
    if not m:
        bad(f"topologies/lessons/{base}: name it NN-NAME.yaml or NN-NAME.break-WHAT.yaml")
        continue
    if m.group(2):
        variants[base] = m.group(1)
    else:
        lessons[m.group(1)] = base
if len(lessons) < 6:
    bad(f"{len(lessons)} lessons in topologies/lessons: the tutorial has six")
index = open(os.path.join(DOCS, "README.md")).read()
for stem in lessons:
    page = os.path.join(DOCS, stem + ".md")
    if not os.path.exists(page):
        bad(f"lesson {stem} has no page docs/tutorial/{stem}.md")
        continue
    if f"({stem}.md)" not in index:
        bad(f"docs/tutorial/README.md does not link {stem}.md")
    text = open(page).read()
    for f in [lessons[stem]] + [v for v, s in variants.items() if s == stem]:
        if f"topologies/lessons/{f}" not in text:
            bad(f"docs/tutorial/{stem}.md does not name topologies/lessons/{f}")
    if not any(s == stem for s in variants.values()):
        bad(f"lesson {stem} has no break-it variant")
for v, stem in variants.items():
    if stem not in lessons:
        bad(f"variant {v} has no lesson {stem}.yaml")

# ---- 2. and 3. analyze ----
results = {}
for base in list(lessons.values()) + list(variants):
    rel = f"topologies/lessons/{base}"
    rc, doc, err = analyze(rel)
    if rc != 0 or not doc:
        failing = [f"{e.get('from')} -> {e.get('to')}: {e.get('name')}" for e in (doc or {}).get("expectations", [])
                   if not e.get("holds")]
        bad(f"netsim analyze {rel}: exit {rc}, predicted to fail: {failing} {err.strip()}")
        continue
    results[base] = doc

for v, stem in variants.items():
    rel = f"topologies/lessons/{v}"
    with open(os.path.join(TOPO, v)) as f:
        lines = f.read().split("\n")
    if len(lines) < 3 or not lines[2].startswith("# Break it: "):
        bad(f"{rel}: its third line says what it breaks: '# Break it: ...'")
    if v not in results or lessons[stem] not in results:
        continue
    expects = yaml.safe_load("\n".join(lines)).get("expect", [])
    before = {(e["from"], e["to"]): (e["predicted"]["verdict"], e["predicted"].get("reason"))
              for e in results[lessons[stem]]["expectations"]}
    broken = 0
    for e in results[v]["expectations"]:
        now = (e["predicted"]["verdict"], e["predicted"].get("reason"))
        if before.get((e["from"], e["to"]), now) == now or now[0] == "reachable":
            continue
        broken += 1
        written = expects[e["index"] - 1]
        if not written.get("blocked_by") and written.get("verdict") != "intermittent":
            bad(f"{rel}: expectation {e['index']} ({e['from']} -> {e['to']}) breaks, and says neither "
                f"blocked_by: nor verdict: intermittent")
    if broken == 0:
        bad(f"{rel}: changes the outcome of no expectation of its lesson {lessons[stem]}")


# ---- 4. the pages' console blocks ----
def console_blocks(text):
    """(start, end) line indexes of the body of each ```console block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield i + 1, j
            i = j
        i += 1


n_commands = 0
for page in sorted(glob.glob(os.path.join(DOCS, "*.md"))):
    name = os.path.relpath(page, ROOT)
    text = open(page).read()
    lines = text.split("\n")
    out = []
    last = 0
    for start, end in console_blocks(text):
        out.extend(lines[last:start])
        body = lines[start:end]
        k = 0
        while k < len(body):
            line = body[k]
            if not line.startswith("$ "):
                bad(f"{name}:{start + k + 1}: a console block starts with a `$ ` command line")
                out.append(line)
                k += 1
                continue
            nxt = k + 1
            while nxt < len(body) and not body[nxt].startswith("$ "):
                nxt += 1
            want = body[k + 1:nxt]
            argv = shlex.split(line[2:])
            out.append(line)
            if argv[:1] == ["netsim"]:
                n_commands += 1
                rc, got = netsim(argv[1:])
                got_lines = [g.rstrip() for g in got.rstrip("\n").split("\n")] if got.strip() else []
                if UPDATE:
                    out.extend(got_lines)
                elif [w.rstrip() for w in want] != got_lines:
                    import difflib
                    diff = "\n".join(difflib.unified_diff(want, got_lines, f"{name} (what the page says)",
                                                          line[2:], lineterm=""))
                    bad(f"{name}:{start + k + 1}: `{line[2:]}` prints something else now "
                        f"(NETSIM_UPDATE_GOLDEN=1 rewrites the page):\n{diff}")
                    out.extend(want)
                else:
                    out.extend(want)
            elif argv[:3] == ["sudo", "netsim", "test"]:
                out.extend(want)  # tests/netns/test_lessons.c
            else:
                bad(f"{name}:{start + k + 1}: a console block runs `netsim ...` or `sudo netsim test ...` only "
                    f"(put other commands in a ```sh block)")
                out.extend(want)
            k = nxt
        last = end
    out.extend(lines[last:])
    if UPDATE and "\n".join(out) != text:
        with open(page, "w") as f:
            f.write("\n".join(out))

# ---- 5. the diagrams ----
MARK = re.compile(r"^<!-- \$ (netsim graph (\S+) --format mermaid --flows) -->$")
for stem, base in lessons.items():
    page = os.path.join(DOCS, stem + ".md")
    if not os.path.exists(page):
        continue
    name = os.path.relpath(page, ROOT)
    rel = f"topologies/lessons/{base}"
    lines = open(page).read().split("\n")
    found = False
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if not m:
            continue
        if m.group(2) != rel:
            bad(f"{name}:{i + 1}: the diagram of {stem}.md draws {m.group(2)}, not {rel}")
        found = True
        if i + 1 >= len(lines) or lines[i + 1] != "```mermaid":
            bad(f"{name}:{i + 1}: a ```mermaid block follows the comment")
            continue
        end = lines.index("```", i + 2)
        rc, got = netsim(shlex.split(m.group(1))[1:], stderr=subprocess.PIPE)
        got_lines = got.rstrip("\n").split("\n")
        if rc != 0:
            bad(f"{name}:{i + 1}: `{m.group(1)}`: exit {rc}: {got}")
        elif UPDATE:
            lines[i + 2:end] = got_lines
        elif lines[i + 2:end] != got_lines:
            bad(f"{name}:{i + 1}: the diagram is not what `{m.group(1)}` draws now (NETSIM_UPDATE_GOLDEN=1 redraws it)")
        break
    if not found:
        bad(f"{name}: no diagram (<!-- $ netsim graph {rel} --format mermaid --flows --> and a ```mermaid block)")
    if UPDATE:
        with open(page, "w") as f:
            f.write("\n".join(lines))
    svg = os.path.join(DOCS, "images", stem + ".svg")
    if f"(images/{stem}.svg)" not in "\n".join(lines):
        bad(f"{name}: does not link its SVG, images/{stem}.svg")
    if UPDATE:
        os.makedirs(os.path.dirname(svg), exist_ok=True)
        rc, got = netsim(["graph", rel, "--flows", "--format", "svg", "-o", os.path.relpath(svg, ROOT)])
        if rc != 0:
            bad(f"netsim graph {rel} --format svg: exit {rc}: {got}")
    try:
        text = ET.tostring(ET.parse(svg).getroot(), encoding="unicode", method="text")
    except (OSError, ET.ParseError) as e:
        bad(f"{os.path.relpath(svg, ROOT)}: {e} (NETSIM_UPDATE_GOLDEN=1 draws it)")
        continue
    topo = yaml.safe_load(open(os.path.join(TOPO, base)))
    hosts = [h["name"] for v in topo["vpcs"] for h in v.get("hosts", [])] + \
        [h["name"] for h in (topo.get("internet") or {}).get("hosts", [])]
    for h in hosts:
        if h not in text:
            bad(f"{os.path.relpath(svg, ROOT)} does not show host {h} (NETSIM_UPDATE_GOLDEN=1 redraws it)")

if n_commands < len(lessons):
    bad(f"only {n_commands} `$ netsim` commands in the pages' console blocks: each lesson shows what you will see")

print(f"lessons: {len(lessons)} lessons, {len(variants)} variants, {n_commands} commands, {fails} failures")
sys.exit(1 if fails else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""netsim graph, as a user runs it (no root):
- DOT and Mermaid of the examples, with and without --flows, equal their goldens in tests/data/graph
  (NETSIM_UPDATE_GOLDEN=1 rewrites them: review the diff) and are the same on a second run;
- the SVG and HTML are well-formed XML naming every host, NAT gateway, internet gateway and internet host,
  and the HTML page holds no script and fetches nothing;
- the extension of -o picks the format; a bad format is a usage error (exit 2).
Usage: test-graph.py SOURCE_ROOT NETSIM"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml

import golden

root, netsim = sys.argv[1], os.path.abspath(sys.argv[2])
golden_dir = os.path.join(root, "tests/data/graph")
update = bool(os.environ.get("NETSIM_UPDATE_GOLDEN"))
TOPOLOGIES = ["serverless-backend", "peering", "serverless-endpoints"]
failed = 0


def fail(msg):
    global failed
    failed += 1
    print("FAIL:", msg)


def run(*args, code=0):
    p = subprocess.run([netsim, "graph", *args], cwd=root, capture_output=True, text=True)
    if p.returncode != code:
        fail(f"netsim graph {' '.join(args)}: exit {p.returncode}, want {code}: {p.stderr.strip()}")
    return p.stdout


def names(topo):
    with open(os.path.join(root, "topologies", topo + ".yaml")) as f:
        t = yaml.safe_load(f)
    out = []
    for v in t.get("vpcs") or []:
        out += [h["name"] for h in v.get("hosts") or []]
        out += [n["name"] for n in v.get("nat_gateways") or []]
        if v.get("internet_gateway"):
            out.append(v["internet_gateway"])
        out += [s["name"] for s in v.get("subnets") or []]
    out += [h["name"] for h in (t.get("internet") or {}).get("hosts") or []]
    return out


def svg_text(tree):
    return " ".join("".join(e.itertext()) for e in tree.iter())


for topo in TOPOLOGIES:
    path = f"topologies/{topo}.yaml"
    for fmt, ext in (("dot", "dot"), ("mermaid", "mmd")):
        for flows in (False, True):
            args = [path, "--format", fmt] + (["--flows"] if flows else [])
            out = run(*args)
            if out != run(*args):
                fail(f"{' '.join(args)}: two runs differ")
            gpath = os.path.join(golden_dir, f"{topo}{'-flows' if flows else ''}.{ext}")
            if golden.check(gpath, out, update, fail, ' '.join(args), "NETSIM_UPDATE_GOLDEN=1 meson test -C build graph"):
                print(f"ok: {' '.join(args)} = {os.path.relpath(gpath, root)}")

    # SVG and HTML: well-formed, every element named
    with tempfile.TemporaryDirectory() as tmp:
        svg_path, html_path = os.path.join(tmp, "g.svg"), os.path.join(tmp, "g.html")
        run(path, "--flows", "-o", svg_path)
        run(path, "--flows", "--format", "html", "-o", html_path)
        for p, kind in ((svg_path, "svg"), (html_path, "html")):
            try:
                tree = ET.parse(p)
            except (ET.ParseError, FileNotFoundError) as e:
                fail(f"{topo} {kind}: not well-formed XML: {e}")
                continue
            text = svg_text(tree.getroot())
            missing = [n for n in names(topo) if n not in text]
            if missing:
                fail(f"{topo} {kind}: lacks {missing}")
            else:
                print(f"ok: {topo} {kind} is well-formed and names every host and gateway")
            if kind == "html":
                with open(p) as f:
                    raw = f.read()
                for bad in ("<script", "http://", "https://", "src=", "@import"):
                    # the SVG's own namespace declarations are the only URLs allowed
                    left = raw.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
                        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
                    if bad in left:
                        fail(f"{topo} html holds {bad!r}: it must be self-contained")

# the format from -o's extension; usage errors
with tempfile.TemporaryDirectory() as tmp:
    run("topologies/minimal.yaml", "-o", os.path.join(tmp, "m.mmd"))
    with open(os.path.join(tmp, "m.mmd")) as f:
        if not f.read().startswith("flowchart TB\n"):
            fail("-o m.mmd did not write Mermaid")
run("topologies/minimal.yaml", "--format", "png", code=2)
run(code=2)

sys.exit(1 if failed else 0)

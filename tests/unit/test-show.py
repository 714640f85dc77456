#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`netsim show FILE` and `netsim show FILE --json` against golden files (no root).

Usage: test-show.py SOURCE_ROOT NETSIM

For each topology below, the text and the JSON must equal tests/data/show/NAME.txt and NAME.json
byte for byte; NETSIM_UPDATE_GOLDEN=1 rewrites them (review the diff). The JSON must also hold
what the text shows: every subnet, route, host, rule count and group of the document appears in
the text (so the two cannot drift apart), and the document has the keys docs/commands.md lists.
"""
import json
import os
import subprocess
import sys

ROOT = sys.argv[1]
NETSIM = os.path.abspath(sys.argv[2])
TOPOLOGIES = ["serverless-backend", "serverless-endpoints", "peering", "minimal"]
GOLDEN = os.path.join(ROOT, "tests/data/show")
UPDATE = os.environ.get("NETSIM_UPDATE_GOLDEN") == "1"
fails = 0


def bad(msg):
    global fails
    fails += 1
    print(f"FAIL: {msg}")


def run(*args):
    p = subprocess.run([NETSIM, *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        bad(f"netsim {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def golden(path, got):
    if UPDATE:
        with open(path, "w") as f:
            f.write(got)
        return
    with open(path) as f:
        want = f.read()
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), path, "netsim show"))
        bad(f"{path} differs (NETSIM_UPDATE_GOLDEN=1 rewrites it):\n{diff}")


def consistent(name, doc, text):
    for key in ["schema", "topology", "region", "vpcs", "peerings", "internet"]:
        if key not in doc:
            bad(f"{name}: the JSON has no {key!r}")
    for vpc in doc["vpcs"]:
        need = [f"VPC {vpc['name']}  {vpc['cidr']}"]
        for s in vpc["subnets"]:
            need.append(f"subnet {s['name']}  {s['cidr']}  az {s['az']}  {'public' if s['public'] else 'private'}")
            need.append(f"network ACL {s['network_acl']}")
            for h in s["hosts"]:
                need.append(f"host {h['name']:<12} {h['kind']:<8} {h['address']}")
                if h["public_ip"]:
                    need.append(f"public IP {h['public_ip']}")
            for n in s["nat_gateways"]:
                need.append(f"elastic IP {n['elastic_ip']}")
        # no sentinel names: an implicit main table (none named) is null, marked main
        if vpc["main_route_table"] == "(main)" or any(rt["name"] == "(main)" for rt in vpc["route_tables"]):
            bad(f"{name}: a route table named '(main)'")
        for s in vpc["subnets"]:
            rt = [t for t in vpc["route_tables"] if t["name"] == s["route_table"]]
            if len(rt) != 1 or s["name"] not in rt[0]["subnets"] or rt[0]["main"] != s["main_route_table"]:
                bad(f"{name}: subnet {s['name']}: route_table {s['route_table']!r} is not one of route_tables[] "
                    f"with main {s['main_route_table']}")
            if s["route_table"] is None and not (s["main_route_table"] and vpc["main_route_table"] is None):
                bad(f"{name}: subnet {s['name']}: no route table, yet not the VPC's implicit main one")
        for rt in vpc["route_tables"]:
            for r in rt["routes"]:
                need.append(f"{r['destination']:<18} -> {r['target']}")
        for sg in vpc["security_groups"]:
            need.append(f"security group {sg['name']}")
        for e in vpc["endpoints"]:
            need.append(f"endpoint {e['name']}  {e['type']} {e['service']}")
        for m in need:
            if m not in text:
                bad(f"{name}: the text does not show {m!r}")
        n_rules = sum(len(g["ingress"]) + len(g["egress"]) for g in vpc["security_groups"]) + \
            sum(len(a["ingress"]) + len(a["egress"]) for a in vpc["network_acls"])
        if n_rules == 0:
            bad(f"{name}: no rules")
    for p in doc["peerings"]:
        if f"peering {p['name']}  {p['between'][0]} <-> {p['between'][1]}" not in text:
            bad(f"{name}: the text does not show peering {p['name']}")


for name in TOPOLOGIES:
    path = f"topologies/{name}.yaml"
    text = run("show", path)
    raw = run("show", path, "--json")
    golden(os.path.join(GOLDEN, name + ".txt"), text)
    golden(os.path.join(GOLDEN, name + ".json"), raw)
    consistent(name, json.loads(raw), text)

# names with control characters reach the terminal escaped (report/escape.h); JSON escapes its own way
import tempfile
with open(os.path.join(ROOT, "topologies/minimal.yaml")) as f:
    src = f.read()
if "description: the web server" not in src:
    bad("topologies/minimal.yaml has no 'description: the web server' to make hostile")
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write(src.replace("description: the web server", 'description: "web\\e[2J\\x07\\r\\nfake line\\u0085"'))
    hostile = f.name
text = run("show", hostile)
if "web\\e[2J\\a\\r\\nfake line\\u0085" not in text:
    bad(f"show: the group's description is not shown escaped:\n{text}")
if any(ord(c) < 32 and c != "\n" for c in text) or any(0x7f <= ord(c) <= 0x9f for c in text):
    bad(f"show {hostile}: a control character reaches the terminal raw")
json.loads(run("show", hostile, "--json"))
os.unlink(hostile)

# a NAME is [a-z0-9-]; a file named like one is written ./FILE
p = subprocess.run([NETSIM, "show", "no_such"], cwd=ROOT, capture_output=True, text=True)
if p.returncode != 2 or "a FILE: write ./no_such" not in p.stderr:
    bad(f"show no_such: exit {p.returncode}: {p.stderr}")
p = subprocess.run([NETSIM, "show", "./no-such.yaml"], cwd=ROOT, capture_output=True, text=True)
if p.returncode != 1:
    bad(f"show ./no-such.yaml: exit {p.returncode}: {p.stderr}")

print(f"show: {len(TOPOLOGIES)} topologies, {fails} failures")
sys.exit(1 if fails else 0)

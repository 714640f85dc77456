#!/usr/bin/env python3
"""Suggested fixes, applied: each one must make its flow reachable (or, for a
flow expected unreachable that is reachable, close it).

Usage: test-fix-apply.py SOURCE_ROOT NETSIM

For every tests/data/fix/*.yaml (one expectation each, that does not hold):
runs `netsim analyze --json FILE`, checks the predicted reason code against
the file's `# reason: CODE` line, applies the expectation's `fix` object
(path, action, yaml: the grammar of docs/analyze.md, "Suggested fixes") to
the YAML document, writes it to a temporary file and analyses again: after
`# steps: N` fixes (default 1) the expectation must hold. `# steps: 0` means
no change to the file can open the flow: the fix must be text only (action
none). Every reason code of the analyzer but the endpoint ones (covered by
test_analyze.c until the endpoint walk lands) has a file.

The applier below is the reference for programs that apply fixes.
"""
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError as e:
    print(f"test-fix-apply: {e}: install python3-yaml (scripts/setup)", file=sys.stderr)
    sys.exit(77)

REASONS = {
    "NO_ROUTE", "BLACKHOLE_ROUTE", "NO_PUBLIC_IP", "IGW_NOT_ATTACHED", "NAT_INBOUND_UNSOLICITED",
    "PEERING_NOT_TRANSITIVE", "ACL_DENY", "ACL_RETURN_DENY", "SG_INGRESS_NO_RULE", "SG_EGRESS_NO_RULE",
    "NO_LISTENER", "NAME_NOT_FOUND",
}

# keys whose value is a list: `add` appends to them (creating the list)
LIST_KEYS = {
    "vpcs", "subnets", "route_tables", "routes", "nat_gateways", "security_groups", "ingress", "egress",
    "network_acls", "hosts", "listen", "dns_names", "peerings", "records", "endpoints", "private_zones",
}

# AWS's rules of a VPC's default group: inbound from its members, all outbound
DEFAULT_GROUP = {"name": "default", "ingress": [{"protocol": "all", "source": "default"}]}

STEP = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)(?:\[([^\]]*)\])?(?:\.|$)")


class ApplyError(Exception):
    pass


def parse_path(path):
    steps, pos = [], 0
    while pos < len(path):
        m = STEP.match(path, pos)
        if not m or m.end() == pos:
            raise ApplyError(f"path '{path}': cannot parse at {pos}")
        steps.append((m.group(1), m.group(2)))
        pos = m.end()
    return steps


def same(a, b):
    """Values equal as the format means them: CIDRs by network, the rest as text."""
    if a == b or str(a) == str(b):
        return True
    try:
        return ipaddress.ip_network(str(a), strict=False) == ipaddress.ip_network(str(b), strict=False)
    except ValueError:
        return False


def find_item(items, key, where):
    """The list item a [KEY] names: by name, destination (routes) or rule (ACL rules)."""
    if not isinstance(items, list):
        raise ApplyError(f"{where} is not a list")
    for it in items:
        if isinstance(it, dict) and any(f in it and same(it[f], key) for f in ("name", "destination", "rule")):
            return it
    raise ApplyError(f"{where} has no item [{key}]")


def apply_fix(doc, fix):
    steps = parse_path(fix["path"])
    value = yaml.safe_load(fix["yaml"])
    node, where = doc, ""
    for name, key in steps[:-1]:
        where += ("." if where else "") + name
        if name == "security_groups" and key == "default" and not any(
                isinstance(g, dict) and g.get("name") == "default" for g in node.get(name) or []):
            # the VPC's default group, not written in the file: written first, with AWS's rules
            node.setdefault(name, []).append(dict(DEFAULT_GROUP, ingress=list(DEFAULT_GROUP["ingress"])))
        if name not in node:
            raise ApplyError(f"{where}: no such key")
        node = node[name]
        if key is not None:
            node = find_item(node, key, where)
            where += f"[{key}]"
    name, key = steps[-1]
    action = fix["action"]
    if key is not None:
        items = node.get(name)
        item = find_item(items, key, name)
        if action != "remove":
            raise ApplyError(f"{action} of a list item [{key}]: only remove")
        items.remove(item)
        return
    cur = node.get(name)
    if action == "add":
        if isinstance(cur, list):
            cur.append(value)
        elif cur is None:
            node[name] = [value] if name in LIST_KEYS else value
        else:
            raise ApplyError(f"add: {name} is already set ({cur!r})")
    elif action == "change":
        node[name] = value
    elif action == "remove":
        if isinstance(cur, list):
            for it in cur:
                if (isinstance(value, dict) and isinstance(it, dict)
                        and all(k in it and same(it[k], v) for k, v in value.items())) or same(it, value):
                    cur.remove(it)
                    return
            raise ApplyError(f"remove: no item {value!r} in {name}")
        node.pop(name, None)
    else:
        raise ApplyError(f"unknown action {action}")


def analyze(netsim, path):
    p = subprocess.run([netsim, "analyze", "--json", path], capture_output=True, text=True, timeout=60)
    if p.returncode not in (0, 1):
        raise ApplyError(f"netsim analyze {path}: exit {p.returncode}: {p.stderr}")
    try:
        out = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise ApplyError(f"netsim analyze {path}: not JSON ({e}): {p.stderr}")
    return out["expectations"][0]


def header(text, key, default):
    m = re.search(rf"^# {key}: (\S+)", text, re.M)
    return m.group(1) if m else default


def run_file(netsim, path, tmp):
    text = open(path).read()
    want_reason = header(text, "reason", None)
    steps = int(header(text, "steps", "1"))
    doc = yaml.safe_load(text)
    cur = path
    e = analyze(netsim, cur)
    if e["holds"]:
        raise ApplyError("the expectation holds before any fix")
    got = e["predicted"]["reason"]
    if want_reason and got != want_reason:
        raise ApplyError(f"predicted {got}, the file says {want_reason}")
    if steps == 0:
        fix = e["fix"]
        if not fix or fix["action"] != "none" or not fix["text"]:
            raise ApplyError(f"want a text-only fix (action none), got {fix!r}")
        return got, [fix["text"]]
    texts = []
    for i in range(steps):
        fix = e["fix"]
        if not fix or fix["action"] == "none" or not fix.get("path"):
            raise ApplyError(f"step {i + 1}: no fix to apply ({fix!r}; {e['predicted']['explanation']})")
        texts.append(fix["text"])
        apply_fix(doc, fix)
        cur = os.path.join(tmp, f"{os.path.basename(path)}.{i + 1}.yaml")
        with open(cur, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
        e = analyze(netsim, cur)
        if e["holds"]:
            if i + 1 != steps:
                raise ApplyError(f"holds after {i + 1} fixes, the file says {steps}")
            return got, texts
    raise ApplyError(f"after {steps} fixes ({texts}) still predicted {e['predicted']['verdict']} "
                     f"({e['predicted']['reason']}: {e['predicted']['explanation']})")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, netsim = sys.argv[1], os.path.abspath(sys.argv[2])
    data = os.path.join(root, "tests", "data", "fix")
    failed, seen = 0, set()
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(data)):
            if not name.endswith(".yaml"):
                continue
            try:
                reason, texts = run_file(netsim, os.path.join(data, name), tmp)
                seen.add(reason)
                print(f"ok {name}: {reason}: " + " | ".join(texts))
            except ApplyError as err:
                failed += 1
                print(f"FAIL {name}: {err}")
    for r in sorted(REASONS - seen):
        failed += 1
        print(f"FAIL: no file of tests/data/fix has reason {r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

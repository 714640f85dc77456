#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/schema/topology-v1.json against the examples, the test data and the loader.

Usage: test-schema.py SOURCE_ROOT [NETSIM]

1. The schema is a valid draft 2020-12 schema (python3-jsonschema's Draft202012Validator).
2. Every example (topologies/) and every valid test file validates against it; every file of
   tests/data/invalid/ and tests/data/hostile/ is classified below: STRUCTURAL ones (unknown key,
   wrong type, missing required key, a value of the wrong form) must fail it at the path given,
   SEMANTIC ones (references, overlaps, uniqueness, alignment, AWS rules) must pass it. With NETSIM,
   `netsim validate` confirms the classification: valid files pass, invalid ones fail.
3. The schema's keys at each level equal the loader's key tables in netsim/load/load.c (read with
   regular expressions), required keys and enums included, both ways.
4. Mutations of the examples: an unknown key in any mapping, a missing required key, a mapping in
   place of a scalar must each fail the schema.
"""
import copy
import glob
import json
import os
import re
import subprocess
import sys

try:
    import yaml
    from jsonschema import Draft202012Validator
except ImportError as e:
    print(f"test-schema: {e}: install python3-jsonschema and python3-yaml (scripts/setup)", file=sys.stderr)
    sys.exit(1)

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
NETSIM = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
SCHEMA_PATH = os.path.join(ROOT, "docs/schema/topology-v1.json")
LOAD_C = os.path.join(ROOT, "netsim/load/load.c")

# Directories whose every file is a valid topology (warnings allowed).
VALID_DIRS = ["topologies", "tests/data/valid", "tests/data/warnings", "tests/data/analyze",
              "tests/data/check", "tests/data/netns", "tests/data/sg", "tests/data/endpoints",
              "tests/data/lint"]
VALID_FILES = ["tests/data/hostile/control-chars-valid.yaml"]
VALID_DIRS += ["tests/data/fix", "tests/data/field"]  # suggested fixes (test-fix-apply.py); ../shared/field copies
VALID_DIRS += ["tests/data/drops"]  # drops the network reports (tests/netns/test_drops.c)
VALID_DIRS += ["topologies/lessons"]  # the tutorial's lessons and their break-it variants (docs/tutorial/)

# Invalid for a structural reason: the schema must reject them, with an error at this path
# ("" is the document itself).
STRUCTURAL = {
    "tests/data/hostile/control-chars.yaml": "name",
    "tests/data/invalid/acl-ports-required.yaml": "vpcs/0/network_acls/0/ingress/0",
    "tests/data/invalid/host-os-unknown.yaml": "vpcs/0/hosts/0/os",
    "tests/data/invalid/acl-ports-with-icmp.yaml": "vpcs/0/network_acls/0/ingress/0",
    "tests/data/invalid/acl-rule-number-too-big.yaml": "vpcs/0/network_acls/0/egress/0/rule",
    "tests/data/invalid/acl-rule-number-zero.yaml": "vpcs/0/network_acls/0/ingress/0/rule",
    "tests/data/invalid/expect-from-address.yaml": "expect/0/from",
    "tests/data/invalid/expect-port-required.yaml": "expect/0",
    "tests/data/invalid/host-address-zero.yaml": "vpcs/0/hosts/1/address",
    "tests/data/invalid/host-public-ip-in-vpc.yaml": "vpcs/0/hosts/1/public_ip",
    "tests/data/invalid/host-public-ip-not-documentation.yaml": "vpcs/0/hosts/1/public_ip",
    "tests/data/invalid/host-public-ip-zero.yaml": "vpcs/0/hosts/1/public_ip",
    "tests/data/invalid/host-security-group-twice.yaml": "vpcs/0/hosts/1/security_groups",
    "tests/data/invalid/host-security-groups-too-many.yaml": "vpcs/0/hosts/1/security_groups",
    "tests/data/invalid/internet-host-address-zero.yaml": "internet/hosts/1/address",
    "tests/data/invalid/internet-host-in-vpc.yaml": "internet/hosts/0/address",
    "tests/data/invalid/internet-host-not-documentation.yaml": "internet/hosts/0/address",
    "tests/data/invalid/load-egress-empty.yaml": "vpcs/0/security_groups/0/egress",
    "tests/data/invalid/load-listen-no-protocol.yaml": "vpcs/0/hosts/0/listen",
    "tests/data/invalid/load-missing-required-key.yaml": "vpcs/0/hosts/0",
    "tests/data/invalid/load-between-null.yaml": "peerings/0/between",
    "tests/data/invalid/load-unknown-key.yaml": "vpcs/0/subnets/0",
    "tests/data/invalid/load-wrong-type.yaml": "vpcs/0/hosts/0/subnet",
    "tests/data/invalid/name-invalid-chars.yaml": "vpcs/0/hosts/0/name",
    "tests/data/invalid/name-leading-dash.yaml": "vpcs/0/name",
    "tests/data/invalid/name-reserved-blackhole.yaml": "vpcs/0/internet_gateway",
    "tests/data/invalid/name-reserved-internet.yaml": "vpcs/0/hosts/1/name",
    "tests/data/invalid/name-too-long.yaml": "vpcs/0/subnets/0/name",
    "tests/data/invalid/nat-elastic-ip-in-vpc.yaml": "vpcs/0/nat_gateways/0/elastic_ip",
    "tests/data/invalid/nat-elastic-ip-not-documentation.yaml": "vpcs/0/nat_gateways/0/elastic_ip",
    "tests/data/invalid/nat-elastic-ip-zero.yaml": "vpcs/0/nat_gateways/0/elastic_ip",
    "tests/data/invalid/sg-ports-required-udp-egress.yaml": "vpcs/0/security_groups/0/egress/0",
    "tests/data/invalid/sg-ports-required.yaml": "vpcs/0/security_groups/0/ingress/0",
    "tests/data/invalid/sg-ports-with-all.yaml": "vpcs/0/security_groups/0/ingress/0",
    "tests/data/invalid/sg-ports-with-icmp.yaml": "vpcs/0/security_groups/0/ingress/0",
    "tests/data/invalid/subnet-cidr-too-large.yaml": "vpcs/0/subnets/0/cidr",
    "tests/data/invalid/subnet-cidr-too-small.yaml": "vpcs/0/subnets/0/cidr",
    "tests/data/invalid/topology-name-invalid.yaml": "name",
    "tests/data/invalid/topology-name-leading-dash.yaml": "name",
    "tests/data/invalid/topology-name-too-long.yaml": "name",
    "tests/data/invalid/vpc-cidr-too-large.yaml": "vpcs/0/cidr",
    "tests/data/invalid/vpc-cidr-too-small.yaml": "vpcs/0/cidr",
    "tests/data/invalid/expect-command-empty.yaml": "expect/0/command",
    "tests/data/invalid/expect-command-verdict-reachable.yaml": "expect/0/verdict",
    "tests/data/invalid/expect-command-with-port.yaml": "expect/0",
    "tests/data/invalid/expect-command-with-reaches.yaml": "expect/0",
    "tests/data/invalid/expect-command-with-to.yaml": "expect/0",
    "tests/data/invalid/expect-probe-timeout.yaml": "expect/0",
    "tests/data/invalid/expect-probe-verdict-succeeds.yaml": "expect/0/verdict",
    "tests/data/invalid/expect-to-dns-name-invalid.yaml": "expect/0/to",
    "tests/data/invalid/host-dns-name-invalid.yaml": "vpcs/0/hosts/2/dns_names/0",
    "tests/data/invalid/host-ready-timeout-malformed.yaml": "vpcs/0/hosts/2/ready_timeout",
    "tests/data/invalid/host-run-empty-list.yaml": "vpcs/0/hosts/2/run",
    "tests/data/invalid/host-targets-twice.yaml": "vpcs/0/hosts/1/targets",
    "tests/data/invalid/record-type-unknown.yaml": "route53/private_zones/0/records/0/type",
    "tests/data/invalid/region-invalid.yaml": "region",
    "tests/data/invalid/vpc-dns-support-not-boolean.yaml": "vpcs/0/dns_support",
    "tests/data/invalid/zone-name-invalid.yaml": "route53/private_zones/0/name",
    "tests/data/invalid/zone-no-vpcs.yaml": "route53/private_zones/0/vpcs",
    "tests/data/invalid/endpoint-type-unknown.yaml": "vpcs/0/endpoints/0/type",
    "tests/data/invalid/endpoint-security-groups-too-many.yaml": "vpcs/0/endpoints/0/security_groups",
    "tests/data/invalid/endpoint-subnet-twice.yaml": "vpcs/0/endpoints/0/subnets",
    "tests/data/invalid/endpoint-route-table-twice.yaml": "vpcs/0/endpoints/0/route_tables",
    "tests/data/invalid/internet-host-region-invalid.yaml": "internet/hosts/2/region",
    "tests/data/invalid/prefix-list-cidr-twice.yaml": "vpcs/0/prefix_lists/0/cidrs",
    "tests/data/invalid/prefix-list-in-acl.yaml": "vpcs/0/network_acls/0/ingress/0/source",
    "tests/data/invalid/prefix-list-max-entries-zero.yaml": "vpcs/0/prefix_lists/0/max_entries",
    "tests/data/invalid/message-nat-security-groups.yaml": "vpcs/0/nat_gateways/0",
    "tests/data/invalid/load-protocol-number.yaml": "vpcs/0/security_groups/0/ingress/0/protocol",
    "tests/data/invalid/message-acl-sg-source.yaml": "vpcs/0/network_acls/0/ingress/0/source",
}

# Invalid only for a semantic reason: references, uniqueness, overlaps, alignment, address
# arithmetic, AWS rules across objects. The schema cannot see these and must accept the file.
SEMANTIC = {
    "tests/data/invalid/" + f + ".yaml" for f in """
    acl-cidr-unaligned acl-rule-number-duplicate expect-from-missing expect-from-nat host-ephemeral-ports-zero
    expect-seen-source-igw expect-seen-source-missing expect-to-missing expect-to-vpc
    expect-via-ambiguous-subnet expect-via-missing host-address-duplicate-nat host-address-duplicate
    host-address-outside-subnet host-address-reserved-last host-address-reserved-network
    host-address-reserved-plus3 host-address-reserved-router host-public-ip-duplicate
    host-security-group-missing host-subnet-missing internet-host-duplicate-address
    internet-host-name-duplicate main-route-table-missing name-duplicate-global name-duplicate-host
    name-duplicate-igw name-duplicate-network-acl name-duplicate-route-table
    name-duplicate-security-group name-duplicate-subnet nat-address-outside-subnet
    nat-address-reserved nat-elastic-ip-duplicate nat-subnet-full nat-subnet-missing
    peering-duplicate peering-not-a-vpc peering-overlap peering-self peering-vpc-missing
    route-destination-duplicate route-destination-local route-destination-more-specific
    route-destination-unaligned route-target-missing route-target-other-vpc-igw
    route-target-other-vpc-nat route-target-unrelated-peering route-target-wrong-kind
    sg-destination-missing sg-qualified-unpeered-vpc sg-source-missing sg-source-unaligned
    sg-source-unpeered-vpc subnet-cidr-unaligned subnet-full-given-address subnet-full
    subnet-network-acl-missing subnet-outside-vpc subnet-overlap subnet-route-table-missing
    vpc-cidr-documentation vpc-cidr-loopback vpc-cidr-unaligned
    expect-reaches-internet-host expect-reaches-unreachable host-dns-name-duplicate
    host-ready-timeout-without-run host-targets-internet-host host-targets-missing host-targets-no-listen
    host-targets-not-proxy host-targets-self host-targets-unpeered-vpc host-targets-with-run record-a-twice
    record-a-value-dns-name record-a-value-nat-vpc record-a-value-unknown record-cname-address
    record-cname-and-a record-cname-apex record-cname-self record-outside-zone zone-same-name-same-vpc zone-vpc-missing
    zone-vpc-without-dns-support
    endpoint-gateway-not-s3 endpoint-gateway-other-region endpoint-gateway-private-dns endpoint-gateway-twice
    endpoint-gateway-with-subnets endpoint-interface-no-subnets endpoint-interface-other-region
    endpoint-interface-with-route-tables endpoint-name-duplicate endpoint-private-dns-conflict
    endpoint-private-dns-no-dns-support endpoint-private-dns-no-hostnames endpoint-route-table-missing
    endpoint-route-target endpoint-security-group-missing endpoint-service-bad-region endpoint-service-unknown
    endpoint-subnet-missing endpoint-subnets-same-az expect-to-endpoint internet-host-region-without-service
    internet-host-service-name-duplicate internet-host-service-unknown prefix-list-cidr-unaligned
    prefix-list-max-entries-too-small prefix-list-name-duplicate prefix-list-name-reserved
    prefix-list-route-duplicate prefix-list-route-missing prefix-list-route-quota prefix-list-route-twice
    prefix-list-sg-missing prefix-list-sg-quota
    expect-blocked-by-unknown expect-blocked-by-reachable
    expect-blocked-by-rule-not-acl expect-blocked-by-acl-rule-missing expect-blocked-by-code-unknown
    message-route-to-host""".split()
}

# The loader's parse functions and the schema objects they read ("" is the document).
# A parse function that takes the peer key ("source"/"destination") is named by its wrappers.
OBJECTS = {
    "read_topology": "", "read_vpc": "vpc", "read_subnet": "subnet", "read_route": "route",
    "read_route_table": "routeTable", "read_nat": "natGateway", "read_sg": "securityGroup",
    "read_sg_ingress": "sgIngressRule", "read_sg_egress": "sgEgressRule",
    "read_acl": "networkAcl", "read_acl_ingress": "aclIngressRule",
    "read_acl_egress": "aclEgressRule", "read_host": "host", "read_peering": "peering",
    "read_inet_host": "internetHost", "read_expect": "expectation", "read_internet": "internet",
    "read_route53": "route53", "read_private_zone": "privateZone", "read_dns_record": "dnsRecord",
    "read_vpc_endpoint": "vpcEndpoint", "read_prefix_list": "prefixList",
}
# The loader's value tables and the schema enums that must equal them.
ENUMS = {
    ("read_host", "kinds"): ("host", "kind"),
    ("read_expect", "verdicts"): ("expectation", "verdict"),
    ("read_acl_rule", "actions"): ("aclIngressRule", "action"),
    ("read_dns_record", "types"): ("dnsRecord", "type"),
    ("read_vpc_endpoint", "types"): ("vpcEndpoint", "type"),
    (None, "proto_names"): ("$defs", "protocol"),
}

# Values each definition accepts and rejects (the forms of docs/topology.md).
VALUES = {
    "name": (["a", "public-a", "0-x", "a" * 32], ["", "-a", "A", "a_b", "a.b", "a" * 33, 5]),
    "componentName": (["igw", "nat-a"], ["internet", "blackhole", "-x"]),
    "groupName": (["web-sg", "internet"], ["default"]),
    "cidr": (["0.0.0.0/0", "10.0.1.0/24", "255.255.255.255/32"],
             ["10.0.1.0", "10.0.1.0/33", "256.0.0.0/8", "10.0.1/24", "01.0.0.0/8", "10.0.0.0/8 "]),
    "blockCidr": (["10.0.0.0/16", "10.0.1.0/28"], ["10.0.0.0/15", "10.0.0.0/29", "0.0.0.0/0"]),
    "address": (["10.0.3.20", "255.255.255.255", "0.0.0.1"], ["0.0.0.0", "10.0.3", "10.0.3.256", "10.0.0.0/8"]),
    "publicAddress": (["192.0.2.1", "198.51.100.20", "203.0.113.255"],
                      ["8.8.8.8", "10.0.1.9", "0.0.0.0", "203.0.114.1", "192.0.2.256"]),
    "nameOrAddress": (["db", "192.0.2.7"], ["a.b", "DB", "10.0.0.0/8"]),
    "ports": ([0, 3306, 65535, "1024-65535", "3306", "0-65535"],
              [-1, 65536, "3306/tcp", "1024-65536", "a", 1.5, "1024 - 65535"]),
    "service": (["3306/tcp", "53/udp", "8000-8010/tcp", "65535/udp"],
                ["3306", "0/tcp", "65536/tcp", "3306/icmp", "3306/TCP", 3306]),
    "listen": (["22/tcp", ["3306/tcp", "53/udp"], [], None], [["3306"], "3306", {"a": "b"}]),
    "protocol": (["tcp", "udp", "icmp", "all"], ["TCP", "ip", 6]),
    "dnsName": (["db", "items.cluster-abc123.ap-northeast-2.rds.amazonaws.com", "db.corp.internal.", "_srv.x"],
                ["", "-a.b", "a-.b", "a..b", "a b", "x.1", "10.0.1.300", "a" * 64 + ".b", ("a" * 62 + ".") * 5 + "b", 5]),
    "destination": (["db", "192.0.2.7", "db.corp.internal", "x.y."], ["", "DB", "10.0.0.0/8", "a..b", "10.0.1.300"]),
    "command": (["mariadb -e 'select 1'", ["getent", "hosts", "db"]], ["", [], {"a": "b"}, None]),
    "duration": (["15s", "500ms", "2m", 15, "15"], ["15 s", "1h", 0, -1, "s", 1.5]),
}

failures = []


def check(ok, what, quiet=False):
    if not ok or not quiet:
        print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        failures.append(what)
    return ok


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


# yaml-language-server (VS Code's YAML extension, Neovim's yamlls) validates with draft-07 semantics:
# the schema keeps to keywords that mean the same there ($defs is reached by a JSON pointer).
PORTABLE_KEYWORDS = {
    "$schema", "$defs", "$ref", "title", "description", "default", "type", "properties", "required",
    "additionalProperties", "items", "allOf", "oneOf", "not", "if", "then", "else", "enum", "const",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "uniqueItems",
}


def keywords(node, names_here=False, out=None):
    """Every keyword used in a schema (the keys of "properties" and "$defs" are names, not keywords)."""
    out = set() if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            if not names_here:
                out.add(k)
            if k in ("enum", "const", "default") and not names_here:
                continue
            keywords(v, not names_here and k in ("properties", "$defs"), out)
    elif isinstance(node, list):
        for v in node:
            keywords(v, False, out)
    return out


def error_paths(validator, doc):
    return ["/".join(str(p) for p in e.absolute_path) for e in validator.iter_errors(doc)]


# ---- the loader's tables, from load.c ----

FUNC_RE = re.compile(r"^static \w+ (read_\w+)\(([^)]*)\)\n\{\n(.*?)^\}", re.M | re.S)
KEYS_RE = re.compile(r"struct key keys\[\] = \{(.*?)\};", re.S)
KEY_RE = re.compile(r"\{\s*(\"\w+\"|\w+)\s*,\s*(true|false)\s*\}")
WRAP_RE = re.compile(r"^\s*(read_\w+)\(L, n, r, \"(\w+)\"\);\s*$")
NAMES_RE = re.compile(r"static const char \*const (\w+)\[\] = \{(.*?)\};", re.S)
STR_RE = re.compile(r"\"(\w+)\"")


def loader_tables(text):
    """{object name: {key: required}}, {(function, table): [values]}, {function: [(key, parser)]}."""
    funcs = {m.group(1): m.group(3) for m in FUNC_RE.finditer(text)}
    tables = {}
    for name, body in funcs.items():
        m = KEYS_RE.search(body)
        if m:
            tables[name] = [(k, r == "true") for k, r in KEY_RE.findall(m.group(1))]
    objects = {}
    for name, body in funcs.items():
        w = WRAP_RE.match(body.strip())
        if w and w.group(1) in tables:  # a wrapper fixing the peer key
            base, peer = w.group(1), w.group(2)
            objects[name] = {(peer if k == "peer_key" else k.strip('"')): r for k, r in tables[base]}
        elif name in tables and all(k.startswith('"') for k, _ in tables[name]):
            objects[name] = {k.strip('"'): r for k, r in tables[name]}
    enums = {}
    for name, body in funcs.items():
        for m in NAMES_RE.finditer(body):
            enums[(name, m.group(1))] = STR_RE.findall(m.group(2))
    top = re.sub(FUNC_RE, "", text)
    for m in NAMES_RE.finditer(top):
        enums[(None, m.group(1))] = STR_RE.findall(m.group(2))
    lists = {}
    for name, body in funcs.items():
        lists[name] = re.findall(r"READ_LIST\(L, v\[\d+\], \"(\w+)\", [^;]*?, (read_\w+)\);", body)
    return objects, enums, lists


def schema_object(schema, name):
    return schema if name == "" else schema["$defs"][name]


def ref_name(s):
    r = s.get("$ref", "") if isinstance(s, dict) else ""
    return r[len("#/$defs/"):] if r.startswith("#/$defs/") else None


def compare_keys(schema, objects, enums, lists):
    """Differences between the schema and the loader's tables, as a list of messages."""
    diffs = []
    for fn in sorted(objects):
        if fn not in OBJECTS:
            diffs.append(f"load.c: {fn}() has a key table but no schema object is mapped to it")
    schema_objs = {""} | {n for n, d in schema["$defs"].items() if "properties" in d}
    for n in sorted(schema_objs - set(OBJECTS.values())):
        diffs.append(f"schema: $defs/{n} has properties but no loader table is mapped to it")
    for fn, obj in OBJECTS.items():
        if fn not in objects:
            diffs.append(f"load.c: no key table found for {fn}() (schema object '{obj or '/'}')")
            continue
        if obj not in schema_objs:
            diffs.append(f"schema: no object '{obj}' for {fn}()")
            continue
        s = schema_object(schema, obj)
        want, have = set(objects[fn]), set(s["properties"])
        for k in sorted(want - have):
            diffs.append(f"schema object '{obj or '/'}' lacks the loader's key '{k}' ({fn})")
        for k in sorted(have - want):
            diffs.append(f"schema object '{obj or '/'}' has key '{k}' that the loader ({fn}) rejects")
        req_want = {k for k, r in objects[fn].items() if r}
        req_have = set(s.get("required", []))
        if req_want != req_have:
            diffs.append(f"schema object '{obj or '/'}' requires {sorted(req_have)}, "
                         f"the loader ({fn}) {sorted(req_want)}")
        if s.get("additionalProperties") is not False:
            diffs.append(f"schema object '{obj or '/'}' allows unknown keys; the loader rejects them")
        for key, parser in lists.get(fn, []):
            prop = s["properties"].get(key, {})
            if ref_name(prop.get("items")) != OBJECTS.get(parser):
                diffs.append(f"schema: '{obj or '/'}'.{key} items should be $defs/{OBJECTS.get(parser)} "
                             f"(the loader reads them with {parser})")
    for (fn, table), (obj, key) in ENUMS.items():
        if (fn, table) not in enums:
            diffs.append(f"load.c: no value table '{table}' in {fn or 'file scope'}")
            continue
        s = schema["$defs"][key] if obj == "$defs" else schema["$defs"][obj]["properties"][key]
        if set(s.get("enum", [])) != set(enums[(fn, table)]):
            diffs.append(f"schema enum {obj}.{key} {sorted(s.get('enum', []))} differs from load.c "
                         f"{table} {sorted(enums[(fn, table)])}")
    return diffs


# ---- a schema-aware walk of a document, for mutations ----

def resolve(schema, s):
    """(def name or None, the object/array schema) of s, following $ref, allOf and oneOf."""
    name = None
    while True:
        r = ref_name(s)
        if r:
            name, s = r, schema["$defs"][r]
            continue
        if "allOf" in s and "properties" not in s:
            s = s["allOf"][0]
            continue
        return name, s


def walk(schema, node, s, path, out):
    """Appends (path, def name, node) for every mapping of node."""
    name, s = resolve(schema, s)
    if isinstance(node, dict):
        out.append((path, name if path else "", node))
        for k, v in node.items():
            walk(schema, v, s["properties"][k], path + [k], out)
    elif isinstance(node, list):
        alts = s.get("oneOf", [s])
        items = next(a["items"] for a in (resolve(schema, a)[1] for a in alts) if "items" in a)
        for i, v in enumerate(node):
            walk(schema, v, items, path + [i], out)


def at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def mutations(schema, validator, objects, docs):
    seen = set()
    n_before = len(failures)
    count = 0

    def check_mutated(d, what):
        nonlocal count
        count += 1
        check(not validator.is_valid(d), what, quiet=True)

    for label, doc in docs:
        nodes = []
        walk(schema, doc, schema, [], nodes)
        for path, name, node in nodes:
            seen.add(name)
            where = f"{label}:/{'/'.join(map(str, path))} ({name or 'document'})"
            d = copy.deepcopy(doc)
            at(d, path)["no-such-key"] = "x"
            check_mutated(d, f"unknown key rejected at {where}")
            fn = next(f for f, o in OBJECTS.items() if o == name)
            for key, required in objects[fn].items():
                if required and key in node:
                    d = copy.deepcopy(doc)
                    del at(d, path)[key]
                    check_mutated(d, f"missing required '{key}' rejected at {where}")
            for key, value in node.items():
                if not isinstance(value, (dict, list)):
                    d = copy.deepcopy(doc)
                    at(d, path)[key] = {"a": "b"}
                    check_mutated(d, f"a mapping as '{key}' rejected at {where}")
    check(len(failures) == n_before, f"{count} mutations of {len(docs)} files rejected")
    missing = set(OBJECTS.values()) - seen
    check(not missing, f"the mutated examples cover every schema object (missing: {sorted(missing)})")


def main():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", "schema is draft 2020-12")
    Draft202012Validator.check_schema(schema)
    check(True, "schema is valid against the draft 2020-12 meta-schema")
    validator = Draft202012Validator(schema)
    extra = keywords(schema) - PORTABLE_KEYWORDS
    check(not extra, f"schema uses only keywords draft-07 editors understand (others: {sorted(extra)})")

    for name, (good, bad) in VALUES.items():
        v = Draft202012Validator({"$ref": "#/$defs/" + name, "$defs": schema["$defs"]})
        for x in good:
            check(v.is_valid(x), f"$defs/{name} accepts {x!r}")
        for x in bad:
            check(not v.is_valid(x), f"$defs/{name} rejects {x!r}")

    os.chdir(ROOT)
    valid = sorted(set(VALID_FILES) | {f for d in VALID_DIRS for f in glob.glob(d + "/*.yaml")})
    check(len(valid) >= 40, f"found {len(valid)} valid files (at least 40)")
    for f in valid:
        errs = [f"/{e.json_path[2:]}: {e.message}" for e in validator.iter_errors(load_yaml(f))]
        check(not errs, f"{f} validates" + ("".join("\n    " + e for e in errs[:5])))

    # every other YAML file under tests/data is classified (but for CloudFormation templates and
    # netsim import's inputs: not topologies)
    others = sorted(set(glob.glob("tests/data/*/*.yaml")) - set(valid)
                    - set(glob.glob("tests/data/cfn-corpus/*.yaml"))
                    - set(glob.glob("tests/data/import/*.yaml")))
    for f in others:
        check(f in STRUCTURAL or f in SEMANTIC,
              f"{f} is classified (add it to STRUCTURAL or SEMANTIC in tests/unit/test-schema.py)")
    for f in sorted(set(STRUCTURAL) | SEMANTIC):
        check(os.path.exists(f), f"{f} (listed) exists")
    check(not (set(STRUCTURAL) & SEMANTIC), "no file is both structural and semantic")
    for f, where in sorted(STRUCTURAL.items()):
        if not os.path.exists(f):
            continue
        paths = error_paths(validator, load_yaml(f))
        check(where in paths, f"{f} fails the schema at /{where} (errors at: {paths})")
    for f in sorted(SEMANTIC):
        if not os.path.exists(f):
            continue
        errs = [f"/{e.json_path[2:]}: {e.message}" for e in validator.iter_errors(load_yaml(f))]
        check(not errs, f"{f} (semantic) passes the schema" + "".join("\n    " + e for e in errs[:5]))

    if NETSIM:
        for f in valid:
            r = subprocess.run([NETSIM, "validate", f], capture_output=True)
            check(r.returncode == 0, f"netsim validate {f}: exit 0 (got {r.returncode})")
        for f in sorted(set(STRUCTURAL) | SEMANTIC):
            r = subprocess.run([NETSIM, "validate", f], capture_output=True)
            check(r.returncode == 1, f"netsim validate {f}: exit 1 (got {r.returncode})")

    with open(LOAD_C, encoding="utf-8") as f:
        text = f.read()
    objects, enums, lists = loader_tables(text)
    check(len(objects) >= len(OBJECTS), f"load.c: read {len(objects)} key tables")
    diffs = compare_keys(schema, objects, enums, lists)
    check(not diffs, "schema keys equal the loader's key tables" + "".join("\n    " + d for d in diffs))

    # the comparison can fail: a key added to the loader, and one to the schema, are both reported
    text2 = text.replace('{"name", true}, {"cidr", true}, {"az", false},',
                         '{"name", true}, {"cidr", true}, {"az", false}, {"ipv6_cidr", false},', 1)
    check(text2 != text and any("'ipv6_cidr'" in d for d in compare_keys(schema, *loader_tables(text2))),
          "self-test: a key only the loader knows is reported")
    schema2 = copy.deepcopy(schema)
    schema2["$defs"]["route"]["properties"]["weight"] = {"type": "integer"}
    check(any("'weight'" in d for d in compare_keys(schema2, objects, enums, lists)),
          "self-test: a key only the schema knows is reported")

    mutated = glob.glob("topologies/*.yaml") + glob.glob("tests/data/valid/*.yaml") + \
        ["tests/data/analyze/sg-egress.yaml"]
    docs = [(f, load_yaml(f)) for f in sorted(mutated)]
    mutations(schema, validator, objects, docs)

    if failures:
        print(f"test-schema: {len(failures)} failed", file=sys.stderr)
        return 1
    print("test-schema: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

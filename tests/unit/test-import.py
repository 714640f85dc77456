#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""netsim import against its golden files: the CloudFormation/SAM corpus and the mapping cases.

Usage: test-import.py SOURCE_ROOT NETSIM   (NETSIM_UPDATE_GOLDEN=1 rewrites the goldens: review the diff)

For every template of tests/data/cfn-corpus/ (the twelve public templates of ../shared/cfn-corpus),
tests/data/import/cases/ (one mapping each; a first line `# args: ...` gives options) and the SAM
template of the reference serverless backend with its overlay:
1. `netsim import` either exits 0 with a topology that `netsim validate` accepts, or exits 1 with
   errors, each naming the construct: `error: AWS::Type LogicalId: ...` (the corpus's expected
   outcome is in EXPECT below);
2. its standard output and standard error equal tests/data/import/golden/NAME.out and NAME.err;
3. the YAML and JSON twins of the corpus import to the same topology;
4. intent-acl-blocks.yaml, imported with --expect intent, makes `netsim analyze` report that the
   network ACL defeats what the security groups intend;
5. the command line: standard input, --json, usage errors.
"""
import glob
import os
import re
import subprocess
import sys

import golden

# corpus template -> (extra options, expected exit status)
CORPUS = {
    "acft-VPC_With_Managed_NAT_And_Private_Subnet.yaml": ([], 0),
    "acft-VPC_With_Managed_NAT_And_Private_Subnet.json": ([], 0),
    "acft-ECS_Fargate_private-vpc.yaml": ([], 0),
    # every target is a parameter ID of an existing object: errors naming each route and rule
    "acft-VPCPeering-Updates.cfn.yaml": (["--parameter", "NumberOfRouteTables=2",
                                          "--parameter", "NumberOfSecurityGroups=1"], 1),
    "acft-DMSAuroraToS3FullLoadAndOngoingReplication.yaml": ([], 0),
    "acft-GitLabServer-pkg.yaml": ([], 0),
    # no VPC: the databases would be in the account's default VPC
    "acft-RDS_MySQL_With_Read_Replica.yaml": ([], 1),
    "qs-aws-vpc.template.yaml": (["--parameter", "AvailabilityZones=us-east-1a,us-east-1b"], 0),
    "sp-apigw-http-api-lambda-rds-proxy_template-rds-proxy.yaml": ([], 0),
    # the function's subnets are parameters: a network outside the template
    "sp-apigw-http-api-lambda-rds-proxy_template.yaml": ([], 1),
    "sp-apigw-lambda-memorydb_template.yaml": ([], 0),
    # the peer VPC is in another region, outside the template
    "sp-private-apigw-cross-region_template2-regionB.yaml": ([], 1),
}
# more runs of a corpus template: golden name -> (template, options, exit status)
CORPUS_VARIANTS = {
    # three AZs and the additional private subnets: their network ACLs appear
    "qs-aws-vpc.template.yaml-nacl": ("qs-aws-vpc.template.yaml",
                                      ["--parameter", "AvailabilityZones=us-east-1a,us-east-1b,us-east-1c",
                                       "--parameter", "NumberOfAZs=3",
                                       "--parameter", "CreateAdditionalPrivateSubnets=true"], 0),
    # an overlay gives the CIDRs of the prefix list the template names by ID: a note, not a warning
    "acft-GitLabServer-pkg.yaml-overlay": ("acft-GitLabServer-pkg.yaml",
                                           ["--overlay", "tests/data/import/gitlab-cloudfront.overlay.yaml"], 0),
}

ERROR_NAMES_CONSTRUCT = re.compile(r": error: AWS::[A-Za-z0-9:]+ [A-Za-z0-9]+: ")

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}", file=sys.stderr)


def run(netsim, args, cwd, stdin=None):
    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.run([netsim] + args, cwd=cwd, input=stdin, capture_output=True, text=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def expect_golden(root, name, suffix, got, update):
    golden.check(os.path.join(root, "tests/data/import/golden", name + suffix), got, update, fail, name + suffix,
                 "NETSIM_UPDATE_GOLDEN=1 meson test -C build import-golden")


def check(root, netsim, name, template, opts, want_rc, update):
    rc, out, err = run(netsim, ["import", template] + opts, root)
    if rc != want_rc:
        fail(f"{name}: exit status {rc}, expected {want_rc}\n{err[-3000:]}")
    if rc == 0:
        vrc, vout, verr = run(netsim, ["validate", "-"], root, stdin=out)
        if vrc != 0:
            fail(f"{name}: the topology does not validate:\n{verr[-3000:]}")
    else:
        errors = [l for l in err.splitlines() if ": error: " in l and l.startswith(template)]
        if not errors:
            fail(f"{name}: exit status {rc} without an error of the template")
        for l in errors:
            if not ERROR_NAMES_CONSTRUCT.search(l):
                fail(f"{name}: an error that names no construct and logical ID: {l}")
    expect_golden(root, name, ".out", out, update)
    expect_golden(root, name, ".err", err, update)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, netsim = sys.argv[1], os.path.abspath(sys.argv[2])
    update = os.environ.get("NETSIM_UPDATE_GOLDEN") == "1"
    outs = {}
    corpus = sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "tests/data/cfn-corpus/*"))
                    if p.endswith((".yaml", ".json")))
    if sorted(CORPUS) != corpus:
        fail(f"the corpus and CORPUS differ: {sorted(set(CORPUS) ^ set(corpus))}")
    for f, (opts, want) in CORPUS.items():
        outs[f] = check(root, netsim, "corpus/" + f, "tests/data/cfn-corpus/" + f, opts, want, update)
    for name, (f, opts, want) in CORPUS_VARIANTS.items():
        check(root, netsim, "corpus/" + name, "tests/data/cfn-corpus/" + f, opts, want, update)

    twin = "acft-VPC_With_Managed_NAT_And_Private_Subnet"
    a, b = outs[twin + ".yaml"], outs[twin + ".json"]
    # the first line names the template's file
    if a.split("\n", 1)[1:] != b.split("\n", 1)[1:]:
        fail(f"{twin}: the YAML and JSON twins import to different topologies")

    for path in sorted(glob.glob(os.path.join(root, "tests/data/import/cases/*.yaml"))):
        rel = os.path.relpath(path, root)
        with open(path) as f:
            first = f.readline()
        opts = first[len("# args: "):].split() if first.startswith("# args: ") else []
        name = "cases/" + os.path.basename(path)[:-5]
        want = 1 if os.path.basename(path).startswith("errors") else 0
        check(root, netsim, name, rel, opts, want, update)

    check(root, netsim, "serverless-backend", "tests/data/import/serverless-backend.sam.yaml",
          ["--overlay", "tests/data/import/serverless-backend.overlay.yaml"], 0, update)

    # the done-when of issue 15: the ACL defeats what the security groups intend, and analyze says so
    rc, out, err = run(netsim, ["import", "tests/data/import/cases/intent-acl-blocks.yaml", "--expect", "intent"], root)
    arc, aout, aerr = run(netsim, ["analyze", "-"], root, stdin=out)
    if arc != 1 or "✗ app → db:5432/tcp" not in aout or "blocked by network ACL data-acl" not in aout \
            or "1 predicted to fail" not in aout:
        fail(f"analyze of the intent expectations: exit {arc}\n{aout}\n{aerr}")

    # a rule for every protocol gives tcp expectations on a port the host serves, none between one proxy's
    # endpoints; a rule admitting a block of the VPC gives its hosts: the DMS trap is NO_LISTENER
    rc, out, err = run(netsim, ["import", "tests/data/import/cases/intent-rules.yaml", "--expect", "intent"], root)
    arc, aout, aerr = run(netsim, ["analyze", "-"], root, stdin=out)
    if arc != 1 or not re.search(r"✗ dms → aurora:3306/tcp +predicted refused +NO_LISTENER", aout) \
            or "proxy → proxy-2" in aout or "proxy-2 → proxy" in aout \
            or re.search(r"(worker|db|proxy|proxy-2) → \S+ icmp", aout) or "1 predicted to fail" not in aout:
        fail(f"analyze of the intent expectations of intent-rules.yaml: exit {arc}\n{aout}\n{aerr}")

    # the command line: standard input, --json, usage errors
    with open(os.path.join(root, "tests/data/import/cases/peering.yaml")) as f:
        src = f.read()
    rc, out, err = run(netsim, ["import", "-"], root, stdin=src)
    if rc != 0 or "name: imported\n" not in out or "# Peering (AWS::EC2::VPCPeeringConnection)" not in out:
        fail(f"import - (standard input): exit {rc}\n{out[:500]}\n{err}")
    import json
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run(netsim, ["import", "tests/data/import/cases/errors.yaml", "--json", "-o", d + "/t.yaml"], root)
        diags = json.loads(out) if out.startswith("[") else None
        if rc != 1 or not diags or not all(x["severity"] in ("error", "note") for x in diags) or \
                os.path.exists(d + "/t.yaml") or not any("AWS::EC2::NatGateway Private" in x["message"] for x in diags):
            fail(f"import --json of errors.yaml: exit {rc}\n{out[:1000]}\n{err}")
    for args, want in ((["import"], "no template given"), (["import", "x.yaml", "--expect", "all"], "--expect takes"),
                       (["import", "x.yaml", "--json"], "give -o OUT"), (["import", "-", "--overlay", "-"], "both be")):
        rc, out, err = run(netsim, args, root)
        if rc != 2 or want not in err:
            fail(f"{' '.join(args)}: exit {rc}, expected 2 with '{want}'\n{err}")

    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("ok" + (" (goldens written)" if update else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

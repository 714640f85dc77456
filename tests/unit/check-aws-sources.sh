#!/usr/bin/env bash
# Every rule netsim enforces or reports names its source: each validator
# message (nsim_diag_error/nsim_diag_warning in netsim/validate/*.c) and each
# analyzer verdict (block(..., NSIM_REASON_...) in netsim/analyze/analyze.c and
# endpoints.c)
# has, on its line or in the WINDOW lines above it, a comment with the AWS
# documentation page it follows (https://docs.aws.amazon.com/...) or one that
# says the rule is netsim's own ("netsim rule:"). docs/sources.md lists every
# page the code cites; docs/topology.md and docs/analyze.md have a Sources section.
# $1: the project root. Run with --self-test to see the check fail on a bad file.
set -u
root=${1:-.}
WINDOW=15

# check FILE PATTERN: prints FILE:LINE of every match without a source; fails if
# any, or if PATTERN matches nothing (the check would hold vacuously).
check() {
	awk -v window="$WINDOW" -v pat="$2" '
		{ line[NR] = $0 }
		$0 ~ pat {
			found++
			ok = 0
			for (i = NR; i >= 1 && i >= NR - window; i--)
				if (line[i] ~ /https:\/\/docs\.aws\.amazon\.com\// || line[i] ~ /netsim rule:/) {
					ok = 1
					break
				}
			if (!ok) {
				printf "%s:%d: no AWS source (https://docs.aws.amazon.com/...) or \"netsim rule:\" comment in the %d lines above\n", FILENAME, NR, window
				bad++
			}
		}
		END {
			if (!found) {
				printf "%s: nothing matches /%s/: update check-aws-sources.sh\n", FILENAME, pat
				exit 1
			}
			exit bad ? 1 : 0
		}' "$1"
}

DIAG='nsim_diag_(error|warning)[(]'
BLOCK='block[(]&?w, NSIM_REASON_'

if [ "${1:-}" = --self-test ]; then
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	printf '/* AWS: "Subnet CIDR blocks",\n * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */\nnsim_diag_error(d, p, "sourced");\n' >"$tmp/good.c"
	printf '/* a comment, no source */\nnsim_diag_error(d, p, "unsourced");\n' >"$tmp/bad.c"
	printf 'int x;\n' >"$tmp/none.c"
	{ printf '/* https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html */\n'
	  for i in $(seq "$WINDOW"); do printf 'x();\n'; done
	  printf 'nsim_diag_warning(d, p, "source too far above");\n'; } >"$tmp/far.c"
	check "$tmp/good.c" "$DIAG" >/dev/null || { echo "FAIL: a sourced message was flagged"; exit 1; }
	check "$tmp/bad.c" "$DIAG" >/dev/null && { echo "FAIL: an unsourced message passed"; exit 1; }
	check "$tmp/none.c" "$DIAG" >/dev/null && { echo "FAIL: a file without messages passed"; exit 1; }
	check "$tmp/far.c" "$DIAG" >/dev/null && { echo "FAIL: a source $((WINDOW + 1)) lines above passed"; exit 1; }
	echo "self-test ok"
	exit 0
fi

rc=0
for f in "$root"/netsim/validate/*.c; do
	check "$f" "$DIAG" || rc=1
done
for f in analyze endpoints; do
	check "$root/netsim/analyze/$f.c" "$BLOCK" || rc=1
done

# every AWS page the code cites is in docs/sources.md, the one list of them
urls=$(grep -ohE 'https://docs\.aws\.amazon\.com/[^ ;,*)"]*' "$root"/netsim/*/*.c | sort -u)
[ -n "$urls" ] || { echo "no AWS page cited in netsim/*/*.c"; rc=1; }
for u in $urls; do
	grep -qF "($u)" "$root/docs/sources.md" || { echo "docs/sources.md: $u (cited in the code) is missing"; rc=1; }
done
# and the user-facing references name their sources
for d in topology analyze; do
	grep -q '^## Sources' "$root/docs/$d.md" || { echo "docs/$d.md: no '## Sources' section"; rc=1; }
done
exit $rc

#!/usr/bin/env bash
# `meson install` into a DESTDIR installs the binary, the man page, the bash and zsh completions and (when
# the source tree has it) the topology JSON Schema; the installed man page renders with man -l and groff
# without warnings, with its sections; the installed binary runs.
# Usage: test-install.sh BUILD_ROOT SOURCE_ROOT BINDIR MANDIR BASHCOMPLETIONDIR ZSHCOMPLETIONDIR DATADIR
# (absolute install paths, as meson.build passes them; MANDIR empty when the man page is not built)
set -uo pipefail

build=$1 src=$2 bindir=$3 mandir=$4 bashdir=$5 zshdir=$6 datadir=$7
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail=0
check() { if "$@"; then echo "ok: $*"; else echo "FAIL: $*"; fail=1; fi; }

if ! meson install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: meson install --destdir"
	exit 1
fi
d=$tmp/dest

check test -x "$d$bindir/netsim"
check test -f "$d$bashdir/netsim"
check test -f "$d$zshdir/_netsim"
check cmp "$src/docs/schema/topology-v1.json" "$d$datadir/netsim/schema/topology-v1.json"
check cmp "$src/completions/netsim.bash" "$d$bashdir/netsim"
check cmp "$src/completions/_netsim" "$d$zshdir/_netsim"

# the installed binary runs and validates an example
check "$d$bindir/netsim" --version
check "$d$bindir/netsim" validate "$src/topologies/minimal.yaml"

if [[ -z $mandir ]]; then
	echo "note: built with -Dman=disabled: no man page to check"
else
	check test -f "$d$mandir/man1/netsim.1"
	# the man page renders, with every section and every command
	page=$d$mandir/man1/netsim.1
	MANWIDTH=80 man -l "$page" >"$tmp/man.txt" 2>"$tmp/man.err"
	check test -s "$tmp/man.txt"
	if [[ -s $tmp/man.err ]]; then
		echo "FAIL: man -l printed warnings:"
		cat "$tmp/man.err"
		fail=1
	fi
	for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT 'EXIT STATUS' FILES EXAMPLES 'SEE ALSO'; do
		check grep -qx "$section" "$tmp/man.txt"
	done
	for cmd in validate plan up down ls show exec test check trace analyze help; do
		check grep -qE "^       $cmd( |$)" "$tmp/man.txt"
	done
	for var in NETSIM_STATE_DIR NETSIM_TIMEOUT NETSIM_JSON NETSIM_JUNIT NETSIM_PCAP NETSIM_FAIL_AT; do
		check grep -qE "^       $var(=|$)" "$tmp/man.txt"
	done
	# every option of every command of the binary (netsim help CMD) is in the page
	for cmd in $("$d$bindir/netsim" help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'); do
		for o in $("$d$bindir/netsim" help "$cmd" | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$tmp/man.txt" ||
				{ echo "FAIL: option $o of $cmd not in the man page"; fail=1; }
		done
	done
	check grep -q '/run/netsim' "$tmp/man.txt"
	check grep -q '/run/netns/netsim-NAME-NODE' "$tmp/man.txt"
	# no line wider than the terminal
	if awk 'length($0) > 80 { print "FAIL: man -l line wider than 80: " $0; bad = 1 } END { exit bad }' "$tmp/man.txt"; then
		echo "ok: no line of man -l wider than 80"
	else
		fail=1
	fi
	if command -v groff >/dev/null; then
		warnings=$(LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$page" 2>&1)
		if [[ -n $warnings ]]; then
			echo "FAIL: groff -ww warnings:"
			echo "$warnings"
			fail=1
		else
			echo "ok: groff -ww: no warnings"
		fi
	fi
fi

exit $fail

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The README's test command: runs every test tier and ends with one line "N passed, N failed"
# totalled over them, after the titles of the tests that failed in any tier. TIERS="unit image"
# runs a subset; TIERS=arm64 runs the arm64 tier, which is not in the default list (its build
# runs under qemu: test/arm64/run.sh). A tier that dies before reporting counts as one failure,
# so a broken tier can never look green.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# shellcheck source=tools/node.sh
. hack/tools/node.sh
bots_node_ensure || exit 1
bash scripts/bootstrap.sh || exit 1

TEST_COUNTS_FILE=$(mktemp)
TEST_FAILURES_FILE=$(mktemp)
export TEST_COUNTS_FILE TEST_FAILURES_FILE
trap 'rm -f "$TEST_COUNTS_FILE" "$TEST_FAILURES_FILE"' EXIT
status=0

for tier in ${TIERS:-unit image e2e}; do
    case "$tier" in
        unit) cmd=(npx mocha --config test/unit/.mocharc.json) ;;
        image) cmd=(bash test/image/run.sh) ;;
        e2e) cmd=(bash test/e2e/run.sh) ;;
        arm64) cmd=(bash test/arm64/run.sh) ;;
        *) echo "unknown tier: $tier" >&2; exit 2 ;;
    esac
    echo "=== tier $tier: ${cmd[*]}"
    start=$SECONDS
    TEST_TIER=$tier "${cmd[@]}" || status=1
    echo "=== tier $tier took $((SECONDS - start)) s"
    if ! grep -q "^$tier " "$TEST_COUNTS_FILE"; then
        echo "=== tier $tier reported no results: counted as 1 failure"
        echo "$tier 0 1 0" >>"$TEST_COUNTS_FILE"
        status=1
    fi
done

# CI shows the end of the output: name every failure here, not only in its tier's report above.
if [[ -s "$TEST_FAILURES_FILE" ]]; then
    echo "=== failed tests (tier: title, first line of the error):"
    cat "$TEST_FAILURES_FILE"
fi
echo "=== per tier (tier passed failed pending):"
cat "$TEST_COUNTS_FILE"
awk '{ p += $2; f += $3 } END { printf "%d passed, %d failed\n", p, f }' "$TEST_COUNTS_FILE"
exit $status

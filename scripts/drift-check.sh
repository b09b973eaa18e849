#!/usr/bin/env bash
# Drift check: does the cluster still hold what each stack deployed? For each stack named, runs
#   pulumi preview --stack STACK --refresh --expect-no-changes --diff
# (refresh reads the live objects; the preview then proposes what `up` would change back), prints
# its output, and appends a Markdown report to $GITHUB_STEP_SUMMARY when that is set (the
# scheduled workflow .github/workflows/drift.yml). Exit 0 when no stack drifted; 1 when one drifted
# or its preview failed (the report says which).
#   bash scripts/drift-check.sh STACK [STACK...]
# Needs the Pulumi CLI logged in to the stacks' backend, their secrets provider (for the
# passphrase provider: PULUMI_CONFIG_PASSPHRASE) and cluster credentials that can read the
# objects (read-only is enough: neither the refresh of a preview nor the preview writes anything).
set -uo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 STACK [STACK...]" >&2
    exit 64
fi
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
status=0
for stack in "$@"; do
    out="$(mktemp)"
    pulumi preview --stack "$stack" --refresh --expect-no-changes --diff --non-interactive --color never >"$out" 2>&1
    rc=$?
    cat "$out"
    if [[ $rc -eq 0 ]]; then
        verdict="no drift"
    elif grep -q "no changes were expected but changes were proposed" "$out"; then
        verdict="DRIFT: the cluster differs from the stack; \`pulumi up --refresh --stack $stack\` puts it back, or change the program to keep the edit"
        status=1
    else
        verdict="the preview failed (exit $rc), so drift is unknown"
        status=1
    fi
    echo "drift-check: ${stack}: ${verdict}"
    {
        echo "### ${stack}: ${verdict}"
        echo
        # The resources the preview would change (pulumi's "~ type name update" lines).
        # shellcheck disable=SC2016 # backquotes for Markdown; $ is sed's end of line
        grep -E '^ *[-+~]+ +[a-z0-9-]+:[A-Za-z0-9/.:-]+ +[^ ]+ +(update|create|delete|replace|create-replacement|delete-replaced)' "$out" | sed -E 's/^ */- `/; s/$/`/' || true
        echo
        echo "<details><summary>pulumi preview --refresh --diff</summary>"
        echo
        echo '```'
        tail -c 60000 "$out"
        echo '```'
        echo "</details>"
        echo
    } >>"$summary"
    rm -f "$out"
done
exit "$status"

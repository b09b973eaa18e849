#!/usr/bin/env bash
# Drift check: does the cluster still hold what each stack deployed? For each stack named, runs
#   pulumi preview --stack STACK --refresh --expect-no-changes --diff
# (refresh reads the live objects; the preview then proposes what `up` would change back, or
# reports a Server-Side Apply conflict on a field someone else changed: drift either way), prints
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
    elif grep -q "no changes were expected but changes were proposed" "$out" ||
        grep -q "Server-Side Apply field conflict" "$out"; then
        # A field changed by hand (kubectl edit, another controller) now belongs to that field
        # manager: the preview shows the diff, then the dry-run apply reports the conflict.
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
        # What differs: each resource the preview would change ("~ type: (update)" then its
        # "[id=namespace/name]"), and the fields another manager took over.
        awk '
            match($0, /^ *[-+~]+ [^ ]+: \((update|create|delete|replace|create-replacement|delete-replaced)\)/) {
                split(substr($0, RSTART, RLENGTH), f, /: \(/); type = f[1]; sub(/^ *[-+~]+ /, "", type)
                op = f[2]; sub(/\)$/, "", op); pending = 1; next
            }
            pending && /\[id=/ { id = $0; sub(/.*\[id=/, "", id); sub(/\].*/, "", id); printf "- %s `%s` `%s`\n", op, type, id; pending = 0 }
            /conflict with "/ { line = $0; sub(/^.*Apply failed with/, "Apply failed with", line); printf "- %s\n", line }
        ' "$out"
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

#!/bin/sh
# /opt/bots/bin/bots-engine (first on PATH): Bots' bots-engine without empty arguments.
# Bots 4's dirmonitor always appends its section's route to the engine task, also when that route
# is empty (bots/dirmonitor.py:47), and bots-engine takes the '' for a route id and runs no route.
# The job queue finds this script by PATH, so a [dirmonitorN] without a route runs all active
# routes again, as in Bots 3.3.1.
#
# While bots-backup takes a backup it raises a marker holding a deadline (epoch seconds) in the
# botsenv; a run that would start then is skipped (exit 0: its files wait in the inbox for the
# next run), so no engine writes while the database and files are copied.
marker="${BOTS_HOME:-/home/bots/.bots}/env/${BOTSENV:-default}/.backup-in-progress"
if [ -f "$marker" ]; then
    deadline="$(head -c 20 "$marker" 2>/dev/null | tr -cd '0-9')"
    if [ -n "$deadline" ] && [ "$(date +%s)" -lt "$deadline" ]; then
        echo "bots-engine: a backup is in progress ($marker): this run is skipped; the next one picks up its files" >&2
        exit 0
    fi
fi
for arg in "$@"; do
    shift
    if [ -n "$arg" ]; then
        set -- "$@" "$arg"
    fi
done
exec /opt/venv/bin/bots-engine "$@"

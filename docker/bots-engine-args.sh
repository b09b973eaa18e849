#!/bin/sh
# /opt/bots/bin/bots-engine (first on PATH): Bots' bots-engine without empty arguments.
# Bots 4's dirmonitor always appends its section's route to the engine task, also when that route
# is empty (bots/dirmonitor.py:47), and bots-engine takes the '' for a route id and runs no route.
# The job queue finds this script by PATH, so a [dirmonitorN] without a route runs all active
# routes again, as in Bots 3.3.1.
for arg in "$@"; do
    shift
    if [ -n "$arg" ]; then
        set -- "$@" "$arg"
    fi
done
exec /opt/venv/bin/bots-engine "$@"

import * as fs from "fs";
import * as path from "path";

// Renders bots.ini from the image's own default (docker/bots-config/bots.ini), changing only the keys
// the stack decides. Bots 3.3 raises on a missing key rather than falling back to a default, so
// the image's complete file is the template and one file is the truth for both.

/** The image's default bots.ini, the template of every rendered one. */
export const BOTS_INI_TEMPLATE = path.resolve(__dirname, "..", "..", "docker", "bots-config", "bots.ini");

export interface BotsIniArgs {
    /** Bots' own limit for one engine run, in minutes. */
    maxRuntimeMinutes: number;
    /** Whether the worker pod (job queue + directory monitor) runs. */
    jobqueueEnabled: boolean;
    /** Python logging level for Bots' file logs. */
    logLevel: string;
    /** Text shown in the web UI's header, so operators see which environment they are in. */
    environmentText: string;
}

type Overrides = Record<string, Record<string, string>>;

export function renderBotsIni(a: BotsIniArgs, template = fs.readFileSync(BOTS_INI_TEMPLATE, "utf8")): string {
    const overrides: Overrides = {
        settings: { maxruntime: String(a.maxRuntimeMinutes), log_file_level: a.logLevel },
        webserver: { log_file_level: a.logLevel, environment_text: a.environmentText },
        // Acceptance mode replaces the uniek counters with per-run ones: never in a deployment.
        acceptance: { runacceptancetest: "False" },
        jobqueue: { enabled: a.jobqueueEnabled ? "True" : "False", log_file_level: a.logLevel },
        dirmonitor: { log_file_level: a.logLevel },
    };
    return "# Rendered by bots-edi-deploy from docker/bots-config/bots.ini and the stack configuration.\n" + applyOverrides(template, overrides);
}

/** Sets key = value in the given sections, keeping the template's order and comments. */
export function applyOverrides(ini: string, overrides: Overrides): string {
    const pending: Overrides = Object.fromEntries(Object.entries(overrides).map(([s, kv]) => [s, { ...kv }]));
    const out: string[] = [];
    let section = "";
    const flush = () => {
        for (const [k, v] of Object.entries(pending[section] ?? {})) {
            out.push(`${k} = ${v}`);
        }
        delete pending[section];
    };
    for (const line of ini.replace(/\n+$/, "").split("\n")) {
        const header = /^\[([^\]]+)\]\s*$/.exec(line);
        if (header) {
            flush();
            section = header[1];
            out.push(line);
            continue;
        }
        const kv = /^([A-Za-z0-9_]+)\s*=/.exec(line);
        const todo = pending[section];
        if (kv && todo && kv[1] in todo) {
            out.push(`${kv[1]} = ${todo[kv[1]]}`);
            delete todo[kv[1]];
            continue;
        }
        out.push(line);
    }
    flush();
    for (const [s, kv] of Object.entries(pending)) {
        out.push("", `[${s}]`, ...Object.entries(kv).map(([k, v]) => `${k} = ${v}`));
    }
    return out.join("\n") + "\n";
}

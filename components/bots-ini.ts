// Renders bots.ini for Bots 3.3 from the typed config. Only the keys this deployment decides are
// rendered; everything else keeps Bots' own default (botsinit reads missing keys with defaults).

import { BOTS_DATA_ROOT, JOBQUEUE_PORT, ENGINE_GUARD_PORT, WEB_PORT } from "./runtime-contract";

export interface BotsIniArgs {
    /** Name of the Bots environment: its directory on the data volume. */
    botsEnv: string;
    /** Bots' own limit for one engine run, in minutes. */
    maxRuntimeMinutes: number;
    /** Whether the worker pod (job queue + directory monitor) runs. */
    jobqueueEnabled: boolean;
    /** Python logging level for Bots' file logs. */
    logLevel: string;
    /** Text shown in the web UI's header, so operators see which environment they are in. */
    environmentText: string;
}

type Section = Record<string, string | number | boolean>;

export function renderBotsIni(a: BotsIniArgs): string {
    const botssys = `${BOTS_DATA_ROOT}/env/${a.botsEnv}/botssys`;
    const sections: Record<string, Section> = {
        settings: {
            maxdays: 30,
            maxdaysarchive: 180,
            maxruntime: a.maxRuntimeMinutes,
            whencleanup: "daily",
            port: ENGINE_GUARD_PORT,
            log_console: true,
            log_file_level: a.logLevel,
            get_checklevel: 1,
            debug: false,
        },
        webserver: {
            environment: "production",
            port: WEB_PORT,
            log_console: true,
            log_file_level: a.logLevel,
            environment_text: a.environmentText,
        },
        // Acceptance mode replaces the uniek counters with per-run ones: never in a deployment.
        acceptance: { runacceptancetest: false },
        jobqueue: {
            enabled: a.jobqueueEnabled,
            port: JOBQUEUE_PORT,
            lauchfrequency: 5,
            log_console: true,
            log_file_level: a.logLevel,
        },
        dirmonitor: { lauchfrequency: 5, log_console: true, log_file_level: a.logLevel },
        // The one watched directory: a file landing in the env's botssys/infile queues an engine run.
        ...(a.jobqueueEnabled
            ? { dirmonitor1: { path: `${botssys}/infile`, recursive: true, filemask: "*", route: "" } }
            : {}),
        // Bots 3.3 imports usersys by module name, so it stays relative; the entrypoint puts the
        // environment directory on PYTHONPATH. botssys is absolute so it lands on the data volume.
        directories: {
            botssys,
            usersys: "usersys",
        },
        charsets: {
            unoc: "latin_1",
            unod: "iso8859_2",
            unoe: "iso8859_5",
            unof: "iso8859_7",
            unog: "iso8859_3",
            unoh: "iso8859_4",
            unoi: "iso8859_6",
            unoj: "iso8859_8",
            unok: "iso8859_9",
            unox: "iso2022_jp",
            unoy: "utf_8",
            keca: "euc_kr",
        },
    };
    const fmt = (v: string | number | boolean) => (typeof v === "boolean" ? (v ? "True" : "False") : String(v));
    return (
        "# Rendered by bots-edi-deploy from the stack configuration; do not edit in the cluster.\n" +
        Object.entries(sections)
            .map(([name, keys]) => `[${name}]\n` + Object.entries(keys).map(([k, v]) => `${k} = ${fmt(v)}`).join("\n"))
            .join("\n\n") +
        "\n"
    );
}

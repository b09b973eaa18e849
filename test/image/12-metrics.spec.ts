// The metrics the image serves from Bots' own run data, against real engine runs on SQLite,
// PostgreSQL and MariaDB: after a clean run and a run with an EDI error they equal Bots' report
// (the engine's printed report and the report table); inbox, data volume and job queue as the
// host sees them. Then the scrape cost on a database with 100,000 more ta rows (printed, not
// asserted).
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    EDI_FIXTURES, FIXTURES, IMAGE, MYSQL_PORT, PG_PORT, cleanupAll, docker, dropX12Order, ensureImage, httpGet, installX12Route,
    makeConfigDir, makeVolume, must, my, pg, requireShared, runArgs, startDetached, waitFor, x12Inbox,
} from "./support";
import { engineReport } from "../support/engine-report";

type Kind = "sqlite" | "postgresql" | "mysql";
const ROUTE = "x12_850_to_csv";
const CHANNEL = "x12_850_in";
const measured: string[] = [];

/** Samples of a Prometheus text exposition: `name{labels}` -> value. */
function parse(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
        const m = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (m) {
            out.set(m[1], Number(m[2]));
        }
    }
    return out;
}

function value(samples: Map<string, number>, key: string): number {
    assert.ok(samples.has(key), `no sample ${key}; have:\n${[...samples.keys()].join("\n")}`);
    return samples.get(key)!;
}

const DBS: { kind: Kind; offset: number; env: (db: string) => Record<string, string>; setup: (db: string) => void }[] = [
    { kind: "sqlite", offset: 0, env: () => ({}), setup: () => undefined },
    {
        kind: "postgresql",
        offset: 1,
        // A TIME_ZONE other than the server's (UTC): the engine's connection writes in the server's.
        env: (db) => ({ BOTS_DB_ENGINE: "postgresql", DB_HOST: "127.0.0.1", DB_PORT: PG_PORT, DB_NAME: db, DB_USER: "bots", DB_PASSWORD: "bots-test-pw", TIME_ZONE: "Europe/Amsterdam" }),
        setup: (db) => {
            pg("start");
            pg("createdb", db);
        },
    },
    {
        kind: "mysql",
        offset: 2,
        env: (db) => ({ BOTS_DB_ENGINE: "mysql", DB_HOST: "127.0.0.1", DB_PORT: MYSQL_PORT, DB_NAME: db, DB_USER: "bots", DB_PASSWORD: "bots-test-pw", TIME_ZONE: "America/New_York" }),
        setup: (db) => {
            my("start");
            my("createdb", db);
        },
    },
];

for (const db of DBS) {
    describe(`metrics from Bots' run data (${db.kind})`, function () {
        this.timeout(600_000);
        const ports = { web: 18781 + db.offset * 10, engine: 28781 + db.offset * 10, jobqueue: 28782 + db.offset * 10 };
        const metricsPort = 19781 + db.offset * 10;
        const botsenv = `metrics${db.kind}`;
        const dbname = `bots_metrics_${db.kind}`;
        let volume: string;
        let etc: string;
        let envDir: string;
        let env: Record<string, string>;
        const reports: ReturnType<typeof engineReport>[] = [];

        const scrape = async (port = metricsPort): Promise<Map<string, number>> => {
            const r = await httpGet(`http://127.0.0.1:${port}/metrics`, 30_000);
            assert.equal(r.status, 200, r.body);
            return parse(r.body);
        };
        const reportRows = (): { idta: number; status: boolean; lastreceived: number; lastdone: number; lasterror: number; send: number; processerrors: number }[] =>
            JSON.parse(must(docker([...runArgs({ volume, etc, env, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/report_rows.py"]), "report rows").stdout);
        const engine = (): { code: number; report: ReturnType<typeof engineReport> } => {
            const r = docker([...runArgs({ volume, etc, env }), IMAGE, "engine", "--new"], 480_000);
            return { code: r.code, report: engineReport(r.stdout + r.stderr) };
        };

        before(async function () {
            requireShared(this);
            ensureImage();
            db.setup(dbname);
            volume = makeVolume(`metrics-${db.kind}`);
            etc = makeConfigDir(ports);
            envDir = path.join(volume, "env", botsenv);
            env = { BOTSENV: botsenv, BOTS_METRICS_PORT: String(metricsPort), ...db.env(dbname) };
            must(docker([...runArgs({ volume, etc, env }), IMAGE, "init-db"]), "init-db");
            installX12Route({ volume, etc, env }, envDir);
            startDetached(`bots-metrics-web-${db.kind}`, { volume, etc, env }, ["webserver"]);
            await waitFor("the metrics port and the web server", async () => {
                const m = await scrape();
                return m.get("bots_database_up") === 1 && m.get("bots_web_ready") === 1;
            }, 120_000);
        });
        after(function () {
            cleanupAll();
            if (db.kind === "mysql" && measured.length) {
                console.log(["      scrape cost with 100,000 more ta rows | db | ms per scrape (median of 10) | collect s", ...measured.map((m) => `      ${m}`)].join("\n"));
            }
        });

        it("before any run: the active route's series at 0, no run yet, the database answers", async function () {
            const m = await scrape();
            assert.equal(value(m, `bots_files_received{route="${ROUTE}"}`), 0);
            assert.equal(value(m, `bots_files_with_errors{route="${ROUTE}"}`), 0);
            assert.equal(value(m, `bots_files_sent{route="${ROUTE}"}`), 0);
            assert.equal(value(m, 'bots_engine_runs{result="ok"}') + value(m, 'bots_engine_runs{result="error"}'), 0);
            assert.equal(m.has("bots_engine_last_run_timestamp_seconds"), false);
            assert.equal(value(m, "bots_engine_running"), 0);
            assert.equal(value(m, "bots_web_ready"), 1);
        });

        it("after a clean run: the last run's files equal the engine's report and the report table", async function () {
            dropX12Order(envDir, "clean.x12");
            const run = engine();
            assert.equal(run.code, 0);
            reports.push(run.report);
            const [row] = reportRows();
            const m = await scrape();
            const files = (o: string) => value(m, `bots_engine_last_run_files{outcome="${o}"}`);
            assert.deepEqual(
                { received: files("received"), ok: files("done"), errors: files("error"), sent: files("sent") },
                { received: run.report.received, ok: run.report.ok, errors: run.report.errors, sent: run.report.sent },
            );
            assert.deepEqual(
                { received: files("received"), done: files("done"), errors: files("error"), sent: files("sent"), process: files("process_errors") },
                { received: row.lastreceived, done: row.lastdone, errors: row.lasterror, sent: row.send, process: row.processerrors },
            );
            assert.deepEqual([value(m, "bots_engine_last_run_id"), value(m, "bots_engine_last_run_failed")], [row.idta, 0]);
            assert.deepEqual([value(m, 'bots_engine_runs{result="ok"}'), value(m, 'bots_engine_runs{result="error"}')], [1, 0]);
            assert.equal(value(m, "bots_engine_last_ok_run_timestamp_seconds"), value(m, "bots_engine_last_run_timestamp_seconds"));
            // The start as Unix time, whatever TIME_ZONE and the database server's zone are.
            assert.ok(Math.abs(value(m, "bots_engine_last_run_timestamp_seconds") - Date.now() / 1000) < 120, `start ${value(m, "bots_engine_last_run_timestamp_seconds")}, now ${Date.now() / 1000}`);
            assert.ok(value(m, "bots_engine_last_run_duration_seconds") >= 0);
        });

        it("after a run with an EDI error: failed, the route's counts equal the sums over Bots' report", async function () {
            const broken = fs.readFileSync(path.join(EDI_FIXTURES, "x12-850-004010.x12"), "utf8").replace(/^BEG\*.*\r?\n/m, "");
            dropX12Order(envDir, "broken.x12", broken);
            const run = engine();
            assert.equal(run.code, 2, "Bots' exit code for EDI errors");
            reports.push(run.report);
            const rows = reportRows();
            const m = await scrape();
            assert.equal(value(m, "bots_engine_last_run_failed"), 1);
            assert.equal(value(m, "bots_engine_last_run_id"), rows[0].idta);
            assert.equal(value(m, 'bots_engine_last_run_files{outcome="error"}'), run.report.errors);
            assert.equal(run.report.errors, 1);
            const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0);
            assert.deepEqual(
                {
                    received: value(m, `bots_files_received{route="${ROUTE}"}`),
                    errors: value(m, `bots_files_with_errors{route="${ROUTE}"}`),
                    sent: value(m, `bots_files_sent{route="${ROUTE}"}`),
                    ok: value(m, 'bots_engine_runs{result="ok"}'),
                    failed: value(m, 'bots_engine_runs{result="error"}'),
                },
                {
                    received: sum((r) => r.lastreceived),
                    errors: sum((r) => r.lasterror),
                    sent: sum((r) => r.send),
                    ok: rows.filter((r) => !r.status).length,
                    failed: rows.filter((r) => r.status).length,
                },
            );
            assert.deepEqual(
                [value(m, `bots_files_received{route="${ROUTE}"}`), value(m, `bots_files_with_errors{route="${ROUTE}"}`), value(m, `bots_files_sent{route="${ROUTE}"}`)],
                [reports.reduce((a, r) => a + r.received, 0), reports.reduce((a, r) => a + r.errors, 0), reports.reduce((a, r) => a + r.sent, 0)],
                "the engines' printed reports",
            );
            assert.ok(value(m, "bots_engine_last_ok_run_timestamp_seconds") <= value(m, "bots_engine_last_run_timestamp_seconds"));
        });

        it("a file waiting in the inbox: counted, with its age; the data volume as df sees it", async function () {
            dropX12Order(envDir, "waiting.x12");
            const old = new Date(Date.now() - 7200_000);
            fs.utimesSync(path.join(x12Inbox(envDir), "waiting.x12"), old, old);
            const m = await scrape();
            assert.equal(value(m, `bots_inbox_files{channel="${CHANNEL}"}`), 1);
            const age = value(m, `bots_inbox_oldest_file_age_seconds{channel="${CHANNEL}"}`);
            assert.ok(age >= 7200 && age < 7300, `age ${age}`);
            const [size, avail] = execFileSync("df", ["-B1", "--output=size,avail", volume], { encoding: "utf8" }).trim().split("\n")[1].trim().split(/\s+/).map(Number);
            assert.equal(value(m, "bots_data_volume_size_bytes"), size);
            assert.ok(Math.abs(value(m, "bots_data_volume_available_bytes") - avail) < 64 * 2 ** 20, `available ${value(m, "bots_data_volume_available_bytes")} vs df ${avail}`);
            fs.rmSync(path.join(x12Inbox(envDir), "waiting.x12"));
        });

        it("an engine holding Bots' lock shows as running, since when it took it; released, it does not", async function () {
            const lock = (what: string) =>
                must(docker([...runArgs({ volume, etc, env, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/hold_lock.py", what]), `lock ${what}`);
            lock("take");
            try {
                const m = await scrape();
                assert.equal(value(m, "bots_engine_running"), 1);
                // The row's time is the database's own default (the engine's zone), read as Unix time.
                const since = value(m, "bots_engine_running_since_timestamp_seconds");
                assert.ok(Math.abs(since - Date.now() / 1000) < 120, `since ${since}, now ${Date.now() / 1000}`);
            } finally {
                lock("release");
            }
            const m = await scrape();
            assert.equal(value(m, "bots_engine_running"), 0);
            assert.equal(m.has("bots_engine_running_since_timestamp_seconds"), false);
        });

        it("no label carries EDI content, partner ids, file names or secrets", async function () {
            const r = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
            const labels = [...r.body.matchAll(/\{([^}]*)\}/g)].flatMap((m) => m[1].split(",").filter(Boolean));
            const names = new Set(labels.map((l) => l.split("=")[0]));
            assert.deepEqual([...names].sort(), ["channel", "group", "outcome", "result", "route", "version"]);
            for (const secret of ["bots-test-pw", "image-test-secret-key", "clean.x12", "broken.x12", "91393058"]) {
                assert.ok(!r.body.includes(secret), `the metrics contain ${secret}`);
            }
        });

        if (db.kind === "sqlite") {
            it("the job queue server serves its queue's depth on its own metrics port", async function () {
                const jqPort = metricsPort + 5;
                const iniDir = makeConfigDir(ports, "");
                startDetached(`bots-metrics-jobqueue`, { volume, etc: iniDir, env: { ...env, BOTS_METRICS_PORT: String(jqPort) } }, ["jobqueueserver"]);
                const m = await waitFor("the job queue's metrics", async () => {
                    const s = await scrape(jqPort);
                    return s.get("bots_jobqueue_up") === 1 ? s : undefined;
                }, 60_000);
                assert.equal(value(m, "bots_jobqueue_jobs"), 0);
                assert.equal(m.has("bots_engine_runs"), false, "the run metrics come from the web pods only");
            });
        }

        it("scrape cost with 100,000 more ta rows (printed)", async function () {
            const fill = must(docker([...runArgs({ volume, etc, env, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/fill_ta.py", "100000"], 600_000), "fill ta");
            assert.match(fill.stdout, /fill_ta: 99999 ta rows, 11111 file reports, 1112 run reports/);
            const times: number[] = [];
            let collect = 0;
            for (let i = 0; i < 10; i++) {
                const t0 = process.hrtime.bigint();
                const m = await scrape();
                times.push(Number(process.hrtime.bigint() - t0) / 1e6);
                collect = value(m, "bots_metrics_collect_seconds");
                assert.equal(value(m, 'bots_files_received{route="route_00"}'), 223);
            }
            times.sort((a, b) => a - b);
            measured.push(`${db.kind} | ${times[5].toFixed(0)} | ${collect.toFixed(3)}`);
        });
    });
}

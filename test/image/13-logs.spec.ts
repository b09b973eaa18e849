// Logs an operator can ship, from the real container: one line per request Django refuses for its
// Host header (no traceback), and LOG_FORMAT=json: one JSON object per line, with the run's
// report id on the engine's lines.
import { strict as assert } from "assert";
import {
    FIXTURES, IMAGE, cleanupAll, docker, dropX12Order, ensureImage, httpGet, installX12Route, logs, makeConfigDir, makeVolume,
    must, requireShared, runArgs, startDetached, waitFor, waitHttp,
} from "./support";
import * as http from "http";
import * as path from "path";
import { engineReport } from "../support/engine-report";

const PORTS = { web: 18881, engine: 28881, jobqueue: 28882 };
const WEB = `http://127.0.0.1:${PORTS.web}`;

/** GET with a Host header of our choosing. */
function getWithHost(url: string, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        http.get(url, { headers: { Host: host }, timeout: 5000 }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
        }).on("error", reject);
    });
}

describe("logs: one line per refused Host header; JSON lines with the run id", function () {
    this.timeout(300_000);
    let volume: string;
    let etc: string;
    const base = { BOTSENV: "logtest", ALLOWED_HOSTS: "edi.example.com", BOTS_METRICS_PORT: "0" };

    before(function () {
        requireShared(this);
        ensureImage();
        volume = makeVolume("logs");
        etc = makeConfigDir(PORTS);
        must(docker([...runArgs({ volume, etc, env: base }), IMAGE, "init-db"]), "init-db");
    });
    after(cleanupAll);

    const newLines = async (name: string, requests: number): Promise<string[]> => {
        const before = logs(name).split("\n").length;
        for (let i = 0; i < requests; i++) {
            assert.equal(await getWithHost(`${WEB}/bots/home`, `scanner${i}.example.net`), 400);
        }
        // The server logs after it answered: wait until the count stops growing.
        let seen = -1;
        return waitFor("the log to settle", async () => {
            await new Promise((r) => setTimeout(r, 1000));
            const lines = logs(name).split("\n");
            const settled = lines.length === seen;
            seen = lines.length;
            return settled ? lines.slice(before - 1).filter((l) => l.trim() !== "") : undefined;
        }, 30_000);
    };

    it("text: each request with a foreign Host header writes one line, naming the host, no traceback", async function () {
        const name = "bots-logs-web-text";
        startDetached(name, { volume, etc, env: base }, ["webserver"]);
        await waitHttp(`${WEB}/health/live`, 200, 120_000);
        const lines = await newLines(name, 3);
        assert.equal(lines.length, 3, lines.join("\n"));
        lines.forEach((line, i) => assert.match(line, new RegExp(`ERROR +django\\.security\\.DisallowedHost: Invalid HTTP_HOST header: 'scanner${i}\\.example\\.net'`)));
        assert.ok(!logs(name).includes("Traceback"), "no traceback in the log");
        assert.equal((await httpGet(`${WEB}/health/ready`)).status, 200, "the server still serves");
        docker(["rm", "-f", name]);
    });

    it("json: the same request is one JSON object; every line from Django and Bots is JSON", async function () {
        const name = "bots-logs-web-json";
        startDetached(name, { volume, etc, env: { ...base, LOG_FORMAT: "json" } }, ["webserver"]);
        await waitHttp(`${WEB}/health/live`, 200, 120_000);
        const lines = await newLines(name, 1);
        assert.equal(lines.length, 1, lines.join("\n"));
        const doc = JSON.parse(lines[0]);
        assert.deepEqual(
            { level: doc.level, logger: doc.logger, message: doc.message },
            { level: "ERROR", logger: "django.security.DisallowedHost", message: "Invalid HTTP_HOST header: 'scanner0.example.net'. You may need to add 'scanner0.example.net' to ALLOWED_HOSTS." },
        );
        assert.match(doc.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
        const bots = logs(name).split("\n").filter((l) => l.startsWith("{"));
        assert.ok(bots.some((l) => JSON.parse(l).logger === "bots.webserver"), "Bots' own webserver lines are JSON");
        docker(["rm", "-f", name]);
    });

    it("json: the engine's lines of a run carry its report id as run_id, and the route being run", function () {
        const envDir = path.join(volume, "env", base.BOTSENV);
        installX12Route({ volume, etc, env: base }, envDir);
        dropX12Order(envDir, "json.x12");
        const r = docker([...runArgs({ volume, etc, env: { ...base, LOG_FORMAT: "json" } }), IMAGE, "engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const docs = (r.stdout + r.stderr).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
        const engineLines = docs.filter((d) => d.logger === "bots.engine");
        assert.ok(engineLines.length >= 8, `${engineLines.length} engine lines`);
        const [report] = JSON.parse(must(docker([...runArgs({ volume, etc, env: base, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/report_rows.py"]), "report").stdout);
        const inRun = engineLines.filter((d) => d.run_id !== undefined);
        assert.ok(inRun.length >= 5, `${inRun.length} lines with a run id`);
        assert.deepEqual([...new Set(inRun.map((d) => d.run_id))], [report.idta], "the run's lines name its report");
        assert.ok(inRun.some((d) => d.route === "x12_850_to_csv" && /Running route/.test(d.message)));
        assert.ok(engineLines.some((d) => d.run_id === undefined && d.message === "Connected to database."), "lines before the run have no run id");
        assert.deepEqual(engineReport(r.stdout + r.stderr), { received: 1, ok: 1, sent: 1, errors: 0 });
    });
});

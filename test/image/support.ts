// Helpers for the image tier: run docker for real, build the image once, make data volumes and
// config dirs, poll HTTP endpoints. No mocks anywhere.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");
/**
 * The Bots 4 image (source tree + PROGRAM_PLUGIN): what the project is built and tested for, and
 * what the program's build mode makes of the stack config 07-program-config uses.
 */
export const IMAGE = process.env.BOTS_TEST_IMAGE || "bots-edi:image-test";
/** The Bots 4 image with all four plugins (two of them define the same route id: BOTS_PLUGINS picks). */
export const IMAGE_PLUGINS = process.env.BOTS_TEST_IMAGE_PLUGINS || "bots-edi:image-test-plugins";
/** The Bots 3.3.1 image (PyPI, end-of-life fallback). */
export const IMAGE_331 = process.env.BOTS_TEST_IMAGE_331 || "bots-edi:image-test-3.3.1";
/** Bots' own unit tests on the Bots 4 environment (build target bots-tests). */
export const IMAGE_BOTS_TESTS = "bots-edi:image-test-bots-tests";
export const BASE_IMAGE = process.env.BOTS_BASE_IMAGE || "bots-local/debian:bookworm-slim-amd64";
/** Third-party build and test input (read-only, never copied into the repo). */
export const SHARED = path.resolve(ROOT, "..", "shared");
export const BOTS_TREE = process.env.BOTS_TEST_BOTS_SOURCE || path.join(SHARED, "upstream", "bots");
export const PLUGINS_ROOT = path.join(SHARED, "upstream", "bots-plugins");
/** The four plugins of ../shared/upstream/bots-plugins, in install order. */
export const PLUGINS = [
    "demo/my_first_plugin",
    "demo/edifact_orders_to_print",
    "edifact/edifact_to_xml_orders-desadv-invoice",
    "x12/x12_to_xml_850-856-810-997",
];
/** The plugin baked into IMAGE, and its route. */
export const PROGRAM_PLUGIN = { dir: "demo/my_first_plugin", route: "myfirstroute" };
export const SECRET = "image-test-secret-key-not-for-production";
export const FIXTURES = path.join(ROOT, "test", "image", "fixtures");
export const EDI_FIXTURES = path.resolve(ROOT, "..", "shared", "fixtures", "edi");
export const UID = 10001;

export interface Result {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Result {
    const t0 = Date.now();
    const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
        cwd: ROOT,
        env: opts.env ?? process.env,
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        input: opts.input,
    });
    if (r.error) {
        throw r.error;
    }
    return { code: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - t0 };
}

export function docker(args: string[], timeoutMs = 300_000): Result {
    return run("docker", args, { timeoutMs });
}

export function must(r: Result, what: string): Result {
    if (r.code !== 0) {
        throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    }
    return r;
}

/** Why the Bots 4 suites cannot run here (../shared absent in a user's clone), or undefined. */
export function sharedMissing(): string | undefined {
    if (!fs.existsSync(path.join(BOTS_TREE, "pyproject.toml"))) {
        return `the Bots 4 source tree ${BOTS_TREE} is absent (../shared/upstream/bots: third-party build input of this project's CI)`;
    }
    if (!fs.existsSync(PLUGINS_ROOT)) {
        return `the plugins ${PLUGINS_ROOT} are absent`;
    }
    return undefined;
}

/** In a before(): mark the suite pending, with the reason on the console, when ../shared is absent. */
export function requireShared(ctx: Mocha.Context): void {
    const reason = sharedMissing();
    if (reason) {
        console.log(`      pending: ${reason}`);
        ctx.skip();
    }
}

const builds = new Map<string, Result>();

/** scripts/image-build.sh (what `npm run image:build` runs), once per run and tag. */
function imageBuild(tag: string, args: string[]): Result {
    let r = builds.get(tag);
    if (!r) {
        r = run("bash", ["scripts/image-build.sh", "--tag", tag, "--base-image", BASE_IMAGE, ...args], { timeoutMs: 2_400_000 });
        must(r, `image:build ${tag}`);
        builds.set(tag, r);
    }
    return r;
}

/** The Bots 4 image from ../shared/upstream/bots with PROGRAM_PLUGIN baked in. */
export function ensureImage(): Result {
    return imageBuild(IMAGE, ["--bots-source", BOTS_TREE, "--plugin", path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir)]);
}

/** The Bots 4 image with the four plugins of ../shared/upstream/bots-plugins (shares all but the last layer). */
export function ensurePluginsImage(): Result {
    return imageBuild(IMAGE_PLUGINS, ["--bots-source", BOTS_TREE, ...PLUGINS.flatMap((p) => ["--plugin", path.join(PLUGINS_ROOT, p)])]);
}

/** A stack's later images, after PROGRAM_PLUGIN was swapped for this plugin, then after all plugins were taken out. */
export const SWAPPED_PLUGIN = { dir: "demo/edifact_orders_to_print", routes: ["edifax", "edifax_new"] };
export const IMAGE_SWAPPED_PLUGIN = `${IMAGE}-swapped-plugin`;
export const IMAGE_NO_PLUGINS = `${IMAGE}-no-plugins`;

/** IMAGE with SWAPPED_PLUGIN instead of PROGRAM_PLUGIN (shares all but the last layer). */
export function ensureSwappedPluginImage(): Result {
    return imageBuild(IMAGE_SWAPPED_PLUGIN, ["--bots-source", BOTS_TREE, "--plugin", path.join(PLUGINS_ROOT, SWAPPED_PLUGIN.dir)]);
}

/** IMAGE without plugins (shares all but the last layer). */
export function ensureNoPluginsImage(): Result {
    return imageBuild(IMAGE_NO_PLUGINS, ["--bots-source", BOTS_TREE]);
}

/** The Bots 3.3.1 image (PyPI fallback). */
export function ensureImage331(): Result {
    return imageBuild(IMAGE_331, []);
}

/** The bots-tests target of the Bots 4 build (shares its layers). */
export function ensureBotsTestsImage(): Result {
    ensureImage();
    return imageBuild(IMAGE_BOTS_TESTS, ["--bots-source", BOTS_TREE, "--target", "bots-tests"]);
}

const cleanups: Array<() => void> = [];
export function onCleanup(fn: () => void): void {
    cleanups.push(fn);
}
export function cleanupAll(): void {
    while (cleanups.length) {
        try {
            cleanups.pop()!();
        } catch {
            /* best effort */
        }
    }
}

/** A host dir used as the data volume (/home/bots/.bots), owned by 10001 like an fsGroup'd PVC. */
export function makeVolume(label: string): string {
    const dir = fs.mkdtempSync(path.join("/var/tmp", `bots-image-${label}-`));
    fs.chownSync(dir, UID, UID);
    fs.chmodSync(dir, 0o750);
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

export interface Ports {
    web: number;
    jobqueue: number;
    engine: number;
}

/** An /etc/bots dir: the image's default bots.ini with test ports (containers share the host network). */
export function makeConfigDir(ports: Ports, extra = ""): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-image-etc-"));
    let ini = fs.readFileSync(path.join(ROOT, "docker", "bots-config", "bots.ini"), "utf8");
    ini = replaceIniKey(ini, "settings", "port", String(ports.engine));
    ini = replaceIniKey(ini, "webserver", "port", String(ports.web));
    ini = replaceIniKey(ini, "jobqueue", "port", String(ports.jobqueue));
    fs.writeFileSync(path.join(dir, "bots.ini"), ini + extra);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, "bots.ini"), 0o644);
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

export function replaceIniKey(ini: string, section: string, key: string, value: string): string {
    const lines = ini.split("\n");
    let current = "";
    let done = false;
    for (let i = 0; i < lines.length; i++) {
        const m = /^\[(.+)\]\s*$/.exec(lines[i]);
        if (m) {
            current = m[1];
            continue;
        }
        if (current === section && new RegExp(`^${key}\\s*=`).test(lines[i])) {
            lines[i] = `${key} = ${value}`;
            done = true;
        }
    }
    if (!done) {
        throw new Error(`[${section}] ${key} not in bots.ini`);
    }
    return lines.join("\n");
}

export interface RunOpts {
    volume: string;
    etc?: string;
    env?: Record<string, string>;
    extra?: string[];
    name?: string;
    detach?: boolean;
    readOnly?: boolean;
}

/** `docker run` args as Kubernetes would run the pod: uid 10001, read-only root, the documented writable mounts. */
export function runArgs(o: RunOpts): string[] {
    const args = ["run"];
    args.push(o.detach ? "-d" : "--rm");
    if (o.name) {
        args.push("--name", o.name);
    }
    if (o.readOnly !== false) {
        args.push("--read-only", "--tmpfs", "/tmp", "--tmpfs", `/run/bots:uid=${UID},gid=${UID},mode=0750`);
    }
    args.push("--network", "host", "-v", `${o.volume}:/home/bots/.bots`);
    if (o.etc) {
        args.push("-v", `${o.etc}:/etc/bots:ro`);
    }
    const env = { DJANGO_SECRET_KEY: SECRET, ...(o.env || {}) };
    for (const [k, v] of Object.entries(env)) {
        args.push("-e", `${k}=${v}`);
    }
    args.push(...(o.extra || []));
    return args;
}

export function startDetached(name: string, o: RunOpts, service: string[], image = IMAGE): string {
    docker(["rm", "-f", name]);
    must(docker([...runArgs({ ...o, name, detach: true }), image, ...service]), `docker run ${service.join(" ")}`);
    onCleanup(() => docker(["rm", "-f", name]));
    return name;
}

export function logs(name: string): string {
    const r = docker(["logs", name]);
    return r.stdout + r.stderr;
}

export interface HttpResult {
    status: number;
    body: string;
    headers: http.IncomingHttpHeaders;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        });
        req.on("timeout", () => req.destroy(new Error(`timeout ${url}`)));
        req.on("error", reject);
    });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 500): Promise<T> {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < until) {
        try {
            const v = await fn();
            if (v !== undefined && v !== null && (v as unknown) !== false) {
                return v;
            }
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export async function waitHttp(url: string, status: number, timeoutMs = 60_000): Promise<HttpResult> {
    return waitFor(`${url} -> ${status}`, async () => {
        const r = await httpGet(url);
        return r.status === status ? r : undefined;
    }, timeoutMs);
}

/** docker stop (SIGTERM to PID 1, SIGKILL after graceSeconds): exit code and how long it took. */
export function stopWithin(name: string, graceSeconds: number): { exitCode: number; ms: number; oomOrKilled: boolean } {
    const t0 = Date.now();
    must(docker(["stop", "-t", String(graceSeconds), name], (graceSeconds + 30) * 1000), `docker stop ${name}`);
    const ms = Date.now() - t0;
    const state = must(docker(["inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", name]), "inspect").stdout.trim().split(" ");
    return { exitCode: Number(state[0]), ms, oomOrKilled: state[1] === "true" };
}

export function exec(name: string, args: string[]): Result {
    return docker(["exec", name, ...args]);
}

/** Copy the test route (grammars, mapping) into the volume's usersys and an EDI file into the route's inbox. */
export function envDir(volume: string, botsenv: string): string {
    return path.join(volume, "env", botsenv);
}

export function chownR(p: string): void {
    must(run("chown", ["-R", `${UID}:${UID}`, p]), "chown");
}

/** Every table init-db must create. */
export const EXPECTED_TABLES = [
    // Django contrib
    "auth_group", "auth_group_permissions", "auth_permission", "auth_user", "auth_user_groups",
    "auth_user_user_permissions", "django_admin_log", "django_content_type", "django_migrations", "django_session",
    // Bots (syncdb) and Bots' raw-SQL tables
    "ccode", "ccodetrigger", "channel", "chanpar", "confirmrule", "filereport", "partner", "partnergroup",
    "report", "routes", "translate", "ta", "mutex", "persist", "uniek",
].sort();

/** Installs the test route (X12 850 -> CSV: grammars, mapping, route rows) into a Bots env. */
export function installX12Route(o: RunOpts, env: string, image = IMAGE): void {
    fs.cpSync(path.join(FIXTURES, "usersys"), path.join(env, "usersys"), { recursive: true });
    chownR(env);
    must(docker([...runArgs({ ...o, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), image, "shell", "python3", "/testdata/configure_route.py"]), "configure the test route");
}

/** The route's in- and outbox in a Bots env. */
export const x12Inbox = (env: string): string => path.join(env, "botssys", "infile", "x12_850");
export const csvOutbox = (env: string): string => path.join(env, "botssys", "outfile", "csv_orderlines");

/** Drops an X12 850 interchange (the shared fixture unless content is given) into the route's inbox. */
export function dropX12Order(env: string, name = "po.x12", content?: string): void {
    const file = path.join(x12Inbox(env), name);
    fs.writeFileSync(file, content ?? fs.readFileSync(path.join(EDI_FIXTURES, "x12-850-004010.x12")));
    chownR(x12Inbox(env));
}

/** A statement on a SQLite database file, with the host's python3, committed (rows as `a|b|c` lines). */
export function sqlite(dbFile: string, sql: string): string {
    const r = must(run("python3", ["-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nfor row in c.execute(sys.argv[2]): print('|'.join(str(x) for x in row))\nc.commit()", dbFile, sql]), "sqlite query");
    return r.stdout;
}

/** The throw-away PostgreSQL server of the image tier (test/support/pg-server.sh) and its port. */
export const PG_PORT = process.env.BOTS_TEST_PG_PORT || "55432";
export function pg(...args: string[]): string {
    return must(run("bash", [path.join(ROOT, "test", "support", "pg-server.sh"), ...args], { env: { ...process.env, BOTS_TEST_PG_PORT: PG_PORT } }), `pg-server ${args.join(" ")}`).stdout;
}

/** psql as the server's superuser: rows unaligned, tuples only. */
export function psql(dbname: string, sql: string): string {
    const bin = must(run("bash", ["-c", "dirname $(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -1)"]), "psql path").stdout.trim();
    return must(run("runuser", ["-u", "postgres", "--", `${bin}/psql`, "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", dbname, "-qAt", "-c", sql]), "psql").stdout;
}

/** The throw-away MariaDB server of the image tier (test/image/mysql-server.sh) and its port. */
export const MYSQL_PORT = process.env.BOTS_TEST_MYSQL_PORT || "53306";
export function my(...args: string[]): string {
    return must(run("bash", [path.join(ROOT, "test", "image", "mysql-server.sh"), ...args], { env: { ...process.env, BOTS_TEST_MYSQL_PORT: MYSQL_PORT } }), `mysql-server ${args.join(" ")}`).stdout;
}

/** The tier's server for a server engine: test/support/pg-server.sh or test/image/mysql-server.sh. */
export function dbServer(engine: "postgresql" | "mysql"): (...args: string[]) => string {
    return engine === "postgresql" ? pg : my;
}

/**
 * A database of a spec's own, the scaffold every database spec and the backup bench share: on
 * PostgreSQL or MariaDB the tier's server started (nothing to do when it runs) and `name` created
 * (dropped first); on SQLite `name` is the file botssys/sqlitedb/<name> on the spec's volume. Returns
 * the container environment that points Bots at it; `over` adds to it.
 */
export function specDatabase(engine: "sqlite" | "postgresql" | "mysql", name: string, over: Record<string, string> = {}): Record<string, string> {
    if (engine === "sqlite") {
        return { BOTS_DB_ENGINE: "sqlite", DB_NAME: name, ...over };
    }
    const server = dbServer(engine);
    server("start");
    server("createdb", name);
    return serverDbEnv(engine, name, over);
}

/** The container environment that points Bots at database `name` on the tier's PostgreSQL or MariaDB server. */
export function serverDbEnv(engine: "postgresql" | "mysql", name: string, over: Record<string, string> = {}): Record<string, string> {
    return {
        BOTS_DB_ENGINE: engine,
        DB_HOST: "127.0.0.1",
        DB_PORT: engine === "postgresql" ? PG_PORT : MYSQL_PORT,
        DB_NAME: name,
        DB_USER: "bots",
        DB_PASSWORD: "bots-test-pw",
        ...over,
    };
}

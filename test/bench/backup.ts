// `npm run bench:backup` (hack/docker/bench-backup.sh): backup and restore time and size of an
// environment of N translated EDI files, in the real image against SQLite and PostgreSQL. Prints,
// asserts nothing.
import * as fs from "fs";
import * as path from "path";
import {
    EDI_FIXTURES, IMAGE, cleanupAll, docker, ensureImage, envDir, installX12Route, makeConfigDir, makeVolume, must, runArgs,
    specDatabase, x12Inbox, chownR,
} from "../image/support";

const FILES = Number(process.env.BOTS_BENCH_FILES ?? 10000);
const ENGINES = (process.env.BOTS_BENCH_ENGINES ?? "sqlite postgresql").split(/\s+/).filter(Boolean);
const PORTS = { web: 18097, jobqueue: 28198, engine: 28197 };

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function bench(engine: string): void {
    const volume = makeVolume(`bench-backup-${engine}`);
    const target = makeVolume(`bench-backup-target-${engine}`);
    const etc = makeConfigDir(PORTS);
    const botsenv = "bench";
    const dbname = "bots_bench_backup";
    const db = specDatabase(engine === "sqlite" ? "sqlite" : "postgresql", engine === "sqlite" ? "botsdb-bench" : dbname);
    const opts = { volume, etc, env: { BOTSENV: botsenv, ...db, BACKUP_STACK: "bench", BACKUP_TARGET: "claim", BACKUP_ENGINE_GRACE_SECONDS: "1" }, extra: ["-v", `${target}:/backups`] };
    const bots = (args: string[]) => must(docker([...runArgs(opts), IMAGE, ...args], 7_200_000), args.join(" "));
    bots(["init-db"]);
    const home = envDir(volume, botsenv);
    installX12Route(opts, home);
    const order = fs.readFileSync(path.join(EDI_FIXTURES, "x12-850-004010.x12"), "utf8");
    fs.mkdirSync(x12Inbox(home), { recursive: true });
    for (let i = 0; i < FILES; i++) {
        // Each interchange its own control number, as a partner's would have.
        fs.writeFileSync(path.join(x12Inbox(home), `po-${i}.x12`), order.replace(/112240001/g, String(100000000 + i)));
    }
    chownR(x12Inbox(home));
    let t0 = Date.now();
    const run = bots(["engine", "--new"]);
    const engineMs = Date.now() - t0;
    const received = /(\d+) files received\/processed in run/.exec(run.stdout + run.stderr)?.[1] ?? "?";
    t0 = Date.now();
    const backup = bots(["backup", "run"]);
    const backupMs = Date.now() - t0;
    const id = /backup (\S+) complete/.exec(backup.stdout)![1];
    const dir = path.join(target, "bench", id);
    const sizes = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    t0 = Date.now();
    bots(["backup", "restore", "latest"]);
    const restoreMs = Date.now() - t0;
    const dataBytes = Number(must(docker(["run", "--rm", "-v", `${volume}:/v`, "--entrypoint", "du", IMAGE, "-sb", "/v"]), "du").stdout.split(/\s/)[0]);
    console.log(
        `${engine}: ${FILES} files (${received} received by one engine run in ${seconds(engineMs)}), environment ${mib(dataBytes)}, ` +
            `${manifest.files.count} files in the tar\n` +
            `  backup run      ${seconds(backupMs)}  total ${mib(Object.values(sizes).reduce((a, b) => a + b, 0))} ` +
            `(${Object.entries(sizes).map(([f, n]) => `${f} ${mib(n)}`).join(", ")})\n` +
            `  restore latest  ${seconds(restoreMs)}  (verify every part's sha256, files, database)`,
    );
}

ensureImage();
console.log(`image ${IMAGE}; each time includes the container's start (~1-2 s)`);
try {
    for (const engine of ENGINES) {
        bench(engine);
    }
} finally {
    cleanupAll();
}

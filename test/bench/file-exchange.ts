// Throughput of the file exchange's mover (bots-exchange in the image, with the pod's
// restrictions) against a real S3 server (SeaweedFS, test/support/s3-server.sh) on this machine:
// 1,000 small files and one 200 MB file, each out (directory -> S3) and back in (S3 -> directory),
// every file verified by size and SHA-256 as in production. Prints numbers, asserts nothing.
//   npm run bench:files
// Env: BOTS_BENCH_IMAGE (an image to use; default: built by test/e2e/image.sh as bots-bench:files),
//      BOTS_BENCH_S3_PORT (default 18363; its data dir is wiped at the end).
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const PORT = process.env.BOTS_BENCH_S3_PORT ?? "18363";
const S3_ENV = { ...process.env, BOTS_S3_PORT: PORT, BOTS_S3_DIR: `/var/tmp/bots-bench-s3-${PORT}` };
const BUCKET = "bench";
const SMALL = { count: 1000, bytes: 2048 };
const LARGE = 200 * 1024 * 1024;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
    const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
    }
    return r.stdout;
}

function main(): void {
    const image = process.env.BOTS_BENCH_IMAGE ?? run("bash", ["test/e2e/image.sh", "bots-bench:files"]).trim().split("\n").pop()!;
    const s3 = Object.fromEntries(
        run("bash", ["test/support/s3-server.sh", "start"], S3_ENV)
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    run("bash", ["test/support/s3-server.sh", "bucket", BUCKET], S3_ENV);
    const work = fs.mkdtempSync(path.join("/var/tmp", "bots-bench-files-"));
    const volume = path.join(work, "volume");
    const envDir = path.join(volume, "env", "bench");
    const conf = path.join(work, "conf");
    const keys = path.join(work, "keys");
    for (const d of [envDir, conf, keys]) {
        fs.mkdirSync(d, { recursive: true });
    }
    fs.writeFileSync(path.join(keys, "access-key"), s3.S3_ACCESS_KEY);
    fs.writeFileSync(path.join(keys, "secret-key"), s3.S3_SECRET_KEY);
    const rules = (name: string, from: string, to: string) =>
        fs.writeFileSync(
            path.join(conf, "rules.json"),
            JSON.stringify({
                s3: { endpoint: s3.S3_ENDPOINT, region: s3.S3_REGION, accessKeyFile: "/run/secrets/bots-exchange/access-key", secretKeyFile: "/run/secrets/bots-exchange/secret-key" },
                rules: [{ name, from, to, pattern: "*", afterCopy: "delete", minAgeSeconds: 0, settleSeconds: 0, emptyFiles: "skip", maxFiles: 100000 }],
            }),
        );
    const mover = (rule: string): { seconds: number; wall: number; line: string } => {
        run("chmod", ["-R", "a+rX", conf, keys]);
        run("chown", ["-R", "10001:10001", volume]);
        const t0 = Date.now();
        const out = run("docker", [
            "run", "--rm", "--network", "host", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001",
            "-e", "BOTSENV=bench", "-v", `${volume}:/home/bots/.bots`, "-v", `${conf}:/etc/bots-exchange:ro`, "-v", `${keys}:/run/secrets/bots-exchange:ro`,
            image, "exchange", "--rule", rule,
        ]);
        const wall = (Date.now() - t0) / 1000;
        const line = out.split("\n").find((l) => l.includes("run done in")) ?? "";
        const seconds = Number(/run done in ([\d.]+)s/.exec(line)?.[1] ?? NaN);
        if (!/failed 0,/.test(line)) {
            throw new Error(`the run failed:\n${out.slice(-3000)}`);
        }
        return { seconds, wall, line };
    };
    const rows: string[] = [];
    const report = (what: string, files: number, bytes: number, r: { seconds: number; wall: number }) =>
        rows.push(
            `${what.padEnd(34)} ${String(files).padStart(5)} ${(bytes / 1e6).toFixed(1).padStart(8)} ${r.seconds.toFixed(2).padStart(8)} ${(files / r.seconds).toFixed(1).padStart(8)} ${(bytes / 1e6 / r.seconds).toFixed(1).padStart(8)} ${r.wall.toFixed(2).padStart(8)}`,
        );
    try {
        const out = path.join(envDir, "out");
        fs.mkdirSync(out);
        for (let i = 0; i < SMALL.count; i++) {
            fs.writeFileSync(path.join(out, `order${String(i).padStart(4, "0")}.edi`), crypto.randomBytes(SMALL.bytes));
        }
        rules("small-out", "out", `s3://${BUCKET}/small/`);
        report("1,000 x 2 KiB, directory -> S3", SMALL.count, SMALL.count * SMALL.bytes, mover("small-out"));
        rules("small-in", `s3://${BUCKET}/small/`, "in");
        report("1,000 x 2 KiB, S3 -> directory", SMALL.count, SMALL.count * SMALL.bytes, mover("small-in"));
        fs.rmSync(path.join(envDir, "in"), { recursive: true, force: true });

        const big = path.join(out, "large.bin");
        const fd = fs.openSync(big, "w");
        for (let written = 0; written < LARGE; written += 8 * 1024 * 1024) {
            fs.writeSync(fd, crypto.randomBytes(8 * 1024 * 1024));
        }
        fs.closeSync(fd);
        rules("large-out", "out", `s3://${BUCKET}/large/`);
        report("1 x 200 MiB, directory -> S3", 1, LARGE, mover("large-out"));
        rules("large-in", `s3://${BUCKET}/large/`, "in");
        report("1 x 200 MiB, S3 -> directory", 1, LARGE, mover("large-in"));
        console.log(`file exchange throughput (bots-exchange in ${image}; SeaweedFS on 127.0.0.1; ${new Date().toISOString()})`);
        console.log(`${"case".padEnd(34)} ${"files".padStart(5)} ${"MB".padStart(8)} ${"run s".padStart(8)} ${"files/s".padStart(8)} ${"MB/s".padStart(8)} ${"wall s".padStart(8)}`);
        rows.forEach((r) => console.log(r));
        console.log("run s: the mover's own count line (listing, copies, verification, removal); wall s: the container from start to exit.");
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
        run("bash", ["test/support/s3-server.sh", "wipe"], S3_ENV);
    }
}

main();

// The file exchange's mover (bots-exchange, docker/python/bots_runtime/exchange) in the real
// image, with the pod's restrictions, against a real S3 server (SeaweedFS, test/support/
// s3-server.sh): both directions, archive, zero-byte files, files still being written, name
// collisions, a run killed between a delivery and its source's removal, and the S3 server stopped
// in the middle of a run. After each fault, the next run must leave every file delivered exactly
// once with its content, and the sources gone.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { FIXTURES, IMAGE, ROOT, Result, chownR, cleanupAll, docker, ensureImage, logs, makeVolume, must, onCleanup, requireShared, run, runArgs, waitFor } from "./support";

const BOTSENV = "exchange";
const BUCKET = "bots-exchange-test";
const S3_PORT = process.env.BOTS_S3_PORT || "18333";
const POD_RESTRICTIONS = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001"];

function s3Server(cmd: string, ...args: string[]): Record<string, string> {
    const out = must(run("bash", [path.join(ROOT, "test", "support", "s3-server.sh"), cmd, ...args], { env: { ...process.env, BOTS_S3_PORT: S3_PORT }, timeoutMs: 600_000 }), `s3-server ${cmd}`).stdout;
    return Object.fromEntries(out.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

const sha = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

describe("file exchange: bots-exchange in the image against a real S3 server", function () {
    this.timeout(600_000);
    let s3: Record<string, string>;
    let volume: string;
    let env: string;
    let conf: string;
    let secrets: string;

    /** Writes the rules file as the program renders it (components/kubernetes/file-exchange.ts). */
    const rules = (list: Record<string, unknown>[]) => {
        const body = {
            s3: { endpoint: s3.S3_ENDPOINT, region: s3.S3_REGION, accessKeyFile: "/run/secrets/bots-exchange/access-key", secretKeyFile: "/run/secrets/bots-exchange/secret-key" },
            rules: list.map((r) => ({ pattern: "*", afterCopy: "delete", minAgeSeconds: 0, settleSeconds: 0, emptyFiles: "skip", maxFiles: 1000, ...r })),
        };
        fs.writeFileSync(path.join(conf, "rules.json"), JSON.stringify(body));
        fs.chmodSync(path.join(conf, "rules.json"), 0o444);
    };
    const moverArgs = (extraEnv: Record<string, string> = {}, name?: string) =>
        runArgs({
            volume, name, detach: name !== undefined, env: { BOTSENV, ...extraEnv },
            extra: [...POD_RESTRICTIONS, "-v", `${conf}:/etc/bots-exchange:ro`, "-v", `${secrets}:/run/secrets/bots-exchange:ro`],
        });
    const mover = (rule: string, extraEnv: Record<string, string> = {}): Result => docker([...moverArgs(extraEnv), IMAGE, "exchange", "--rule", rule], 300_000);
    const s3tool = (...args: string[]): string =>
        must(docker([...runArgs({ volume, env: { S3_ENDPOINT: s3.S3_ENDPOINT, S3_ACCESS_KEY: s3.S3_ACCESS_KEY, S3_SECRET_KEY: s3.S3_SECRET_KEY, S3_REGION: s3.S3_REGION }, extra: ["-v", `${FIXTURES}:/testdata:ro`, "-v", "/var/tmp:/var/tmp:ro"] }), IMAGE, "shell", "python3", "/testdata/s3_tool.py", ...args]), `s3 ${args.join(" ")}`).stdout;
    /** name -> sha256 of the objects directly under a prefix. */
    const objects = (prefix: string): Record<string, string> =>
        Object.fromEntries(s3tool("ls", BUCKET, prefix).trim().split("\n").filter(Boolean).map((l) => l.split(" ")).map(([n, , d]) => [n, d]));
    /** Puts files with the given contents under a prefix (through a host temp dir the tool reads). */
    const upload = (prefix: string, files: Record<string, string>) => {
        const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-image-exchange-up-"));
        fs.chmodSync(dir, 0o755);
        for (const [name, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, name), content, { mode: 0o644 });
        }
        s3tool("put", BUCKET, prefix, dir);
        fs.rmSync(dir, { recursive: true, force: true });
    };
    /** name -> sha256 of the files directly in a directory of the Bots environment. */
    const filesIn = (rel: string): Record<string, string> => {
        const dir = path.join(env, rel);
        return fs.existsSync(dir)
            ? Object.fromEntries(fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile()).sort().map((n) => [n, sha(fs.readFileSync(path.join(dir, n)))]))
            : {};
    };
    const write = (rel: string, files: Record<string, string>) => {
        fs.mkdirSync(path.join(env, rel), { recursive: true });
        for (const [name, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(env, rel, name), content);
        }
        chownR(volume);
    };
    const orders = (n: number, tag: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`order${String(i + 1).padStart(2, "0")}.edi`, `UNA:+.? 'UNB+${tag}+${i}'\n`.repeat(50)]));
    const digests = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([n, c]) => [n, sha(c)]));
    const output = (r: Result) => r.stdout + r.stderr;

    before(function () {
        requireShared(this);
        ensureImage();
        s3 = s3Server("start");
        s3Server("bucket", BUCKET);
        volume = makeVolume("exchange");
        env = path.join(volume, "env", BOTSENV);
        fs.mkdirSync(env, { recursive: true });
        chownR(volume);
        conf = fs.mkdtempSync(path.join("/var/tmp", "bots-image-exchange-conf-"));
        secrets = fs.mkdtempSync(path.join("/var/tmp", "bots-image-exchange-keys-"));
        for (const d of [conf, secrets]) {
            fs.chmodSync(d, 0o755);
            onCleanup(() => fs.rmSync(d, { recursive: true, force: true }));
        }
        fs.writeFileSync(path.join(secrets, "access-key"), s3.S3_ACCESS_KEY);
        fs.writeFileSync(path.join(secrets, "secret-key"), s3.S3_SECRET_KEY);
        fs.chmodSync(path.join(secrets, "access-key"), 0o444);
        fs.chmodSync(path.join(secrets, "secret-key"), 0o444);
        s3tool("rm", BUCKET, "");
    });
    after(() => {
        cleanupAll();
        s3Server("stop");
    });

    it("inbound: S3 objects matching the pattern land in the inbox with their content, then leave S3; one line per file and a count line", function () {
        const files = orders(3, "in");
        upload("in/", { ...files, "notes.txt": "not EDI" });
        rules([{ name: "inbound", from: `s3://${BUCKET}/in/`, to: "botssys/infile/partner", pattern: "*.edi" }]);
        const r = mover("inbound");
        assert.equal(r.code, 0, output(r));
        assert.deepEqual(filesIn("botssys/infile/partner"), digests(files));
        assert.deepEqual(Object.keys(objects("in/")), ["notes.txt"]);
        for (const name of Object.keys(files)) {
            assert.match(r.stdout, new RegExp(`exchange\\[inbound\\] copied s3://${BUCKET}/in/${name} -> /home/bots/.bots/env/${BOTSENV}/botssys/infile/partner/${name}, \\d+ bytes, sha256 [0-9a-f]{12}; source deleted`));
        }
        assert.match(r.stdout, /exchange\[inbound\] run done in [\d.]+s: listed 3, copied 3, completed 0, skipped 0, deferred 0 \(maxFiles 1000\), failed 0, \d+ bytes/);
        assert.deepEqual(fs.readdirSync(path.join(env, "botssys", "exchange", "inbound", "work")), [], "no temporary file is left");
        s3tool("rm", BUCKET, "in/");
    });

    it("outbound with archive: files reach S3 carrying their SHA-256, the sources move to the archive directory", function () {
        const files = orders(2, "out");
        write("botssys/outfile/partner", files);
        rules([{ name: "outbound", from: "botssys/outfile/partner", to: `s3://${BUCKET}/out/`, afterCopy: "archive", archiveTo: "botssys/archive/partner" }]);
        const r = mover("outbound");
        assert.equal(r.code, 0, output(r));
        const listed = s3tool("ls", BUCKET, "out/").trim().split("\n").map((l) => l.split(" "));
        assert.deepEqual(listed.map(([n, , d, meta]) => [n, d, meta]), Object.entries(digests(files)).map(([n, d]) => [n, d, d]));
        assert.deepEqual(filesIn("botssys/outfile/partner"), {});
        assert.deepEqual(filesIn("botssys/archive/partner"), digests(files));
        assert.match(r.stdout, /source archived to \/home\/bots\/.bots\/env\/exchange\/botssys\/archive\/partner\/order01.edi/);
        s3tool("rm", BUCKET, "out/");
    });

    it("zero-byte files: left in place and counted as skipped (emptyFiles skip), delivered as empty files with emptyFiles deliver", function () {
        upload("empty/", { "empty.edi": "" });
        rules([{ name: "empty", from: `s3://${BUCKET}/empty/`, to: "botssys/infile/empty" }]);
        const skipped = mover("empty");
        assert.equal(skipped.code, 0, output(skipped));
        assert.match(skipped.stdout, /skipped s3:\/\/bots-exchange-test\/empty\/empty.edi: empty, left in place \(emptyFiles skip\)/);
        assert.match(skipped.stdout, /copied 0, completed 0, skipped 1/);
        assert.deepEqual(Object.keys(objects("empty/")), ["empty.edi"]);
        rules([{ name: "empty", from: `s3://${BUCKET}/empty/`, to: "botssys/infile/empty", emptyFiles: "deliver" }]);
        const delivered = mover("empty");
        assert.equal(delivered.code, 0, output(delivered));
        assert.deepEqual(filesIn("botssys/infile/empty"), { "empty.edi": sha("") });
        assert.deepEqual(objects("empty/"), {});
    });

    it("a file still being written is skipped (it changed within the settle window; younger than minAgeSeconds) and delivered whole once it stops", async function () {
        const rel = "botssys/outfile/growing";
        write(rel, { "done.edi": "written before the run\n" });
        const file = path.join(env, rel, "growing.edi");
        fs.writeFileSync(file, "");
        chownR(volume);
        // A writer appending a line every 200 ms for 6 s, through the whole first run.
        const writer = spawn("bash", ["-c", `for i in $(seq 1 30); do echo "line $i" >> '${file}'; sleep 0.2; done`], { stdio: "ignore" });
        const finished = new Promise<void>((resolve) => writer.on("exit", () => resolve()));
        rules([{ name: "growing", from: rel, to: `s3://${BUCKET}/growing/`, settleSeconds: 2 }]);
        const during = mover("growing");
        assert.equal(during.code, 0, output(during));
        assert.match(during.stdout, /skipped \S+\/growing.edi: changed within 2s \(still being written\), next run/);
        assert.deepEqual(Object.keys(objects("growing/")), ["done.edi"]);
        await finished;
        const content = fs.readFileSync(file, "utf8");
        assert.equal(content.split("\n").filter(Boolean).length, 30);
        const complete = sha(content);
        const after = mover("growing");
        assert.equal(after.code, 0, output(after));
        assert.deepEqual(objects("growing/"), { "done.edi": sha("written before the run\n"), "growing.edi": complete });
        write(rel, { "fresh.edi": "just written\n" });
        rules([{ name: "growing", from: rel, to: `s3://${BUCKET}/growing/`, minAgeSeconds: 600 }]);
        const young = mover("growing");
        assert.equal(young.code, 0, output(young));
        assert.match(young.stdout, /skipped \S+\/fresh.edi: written \d+s ago \(minAgeSeconds 600\), next run/);
        s3tool("rm", BUCKET, "growing/");
    });

    it("name collisions: never an overwrite; the new file gets its content's digest before the extension", function () {
        write("botssys/infile/collide", { "dup.edi": "already there, not yet read by Bots\n" });
        upload("collide/", { "dup.edi": "the partner's new file\n" });
        rules([{ name: "collide-in", from: `s3://${BUCKET}/collide/`, to: "botssys/infile/collide" }]);
        const r = mover("collide-in");
        assert.equal(r.code, 0, output(r));
        const short = sha("the partner's new file\n").slice(0, 12);
        assert.deepEqual(filesIn("botssys/infile/collide"), { "dup.edi": sha("already there, not yet read by Bots\n"), [`dup.${short}.edi`]: sha("the partner's new file\n") });
        assert.match(r.stdout, new RegExp(`-> \\S+/dup\\.${short}\\.edi \\(renamed: dup\\.edi existed\\)`));
        write("botssys/outfile/collide", { "dup.edi": "an answer\n" });
        upload("collide-out/", { "dup.edi": "an older answer\n" });
        rules([{ name: "collide-out", from: "botssys/outfile/collide", to: `s3://${BUCKET}/collide-out/` }]);
        const out = mover("collide-out");
        assert.equal(out.code, 0, output(out));
        assert.deepEqual(objects("collide-out/"), { "dup.edi": sha("an older answer\n"), [`dup.${sha("an answer\n").slice(0, 12)}.edi`]: sha("an answer\n") });
        s3tool("rm", BUCKET, "collide-out/");
    });

    it("a run killed after delivering, before removing the source: the next run finishes the source's removal and delivers nothing twice", function () {
        const files = orders(5, "crash");
        upload("crash/", files);
        rules([{ name: "crash", from: `s3://${BUCKET}/crash/`, to: "botssys/infile/crash" }]);
        const killed = mover("crash", { BOTS_EXCHANGE_TEST_HOOK: "crash-after-delivered:2" });
        assert.equal(killed.code, 137, output(killed));
        assert.equal(Object.keys(filesIn("botssys/infile/crash")).length, 2);
        assert.equal(Object.keys(objects("crash/")).length, 4, "the first source was removed, the second's removal was cut off");
        const next = mover("crash");
        assert.equal(next.code, 0, output(next));
        assert.match(next.stdout, /completed s3:\/\/bots-exchange-test\/crash\/order02.edi: delivered as \S+\/order02.edi by an earlier run; source deleted/);
        assert.match(next.stdout, /copied 3, completed 1, skipped 0, deferred 0 \(maxFiles 1000\), failed 0/);
        assert.deepEqual(filesIn("botssys/infile/crash"), digests(files), "each file exactly once, under its own name");
        assert.deepEqual(objects("crash/"), {});
    });

    it("the S3 server stopped in the middle of a run: nothing is lost, the next run completes it", async function () {
        const files = orders(6, "outage");
        upload("outage/", files);
        rules([{ name: "outage", from: `s3://${BUCKET}/outage/`, to: "botssys/infile/outage" }]);
        const name = `bots-image-exchange-outage-${process.pid}`;
        docker(["rm", "-f", name]);
        onCleanup(() => docker(["rm", "-f", name]));
        must(docker([...moverArgs({ BOTS_EXCHANGE_TEST_HOOK: "wait-after-delivered:2:/tmp/go" }, name), IMAGE, "exchange", "--rule", "outage"]), "start the mover");
        await waitFor("the mover to deliver two files", () => (logs(name).includes("waiting for /tmp/go") ? true : undefined), 60_000);
        s3Server("stop");
        must(docker(["exec", name, "touch", "/tmp/go"]), "let the mover go on");
        const code = await waitFor("the mover to end", () => {
            const state = docker(["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name]).stdout.trim().split(" ");
            return state[0] === "false" ? Number(state[1]) : undefined;
        }, 240_000, 1000);
        const first = logs(name);
        assert.equal(code, 1, first);
        assert.match(first, /FAILED s3:\/\/bots-exchange-test\/outage\/order0[3-6].edi/);
        assert.equal(Object.keys(filesIn("botssys/infile/outage")).length, 2);
        s3Server("start");
        const next = mover("outage");
        assert.equal(next.code, 0, output(next));
        assert.match(next.stdout, /completed s3:\/\/bots-exchange-test\/outage\/order02.edi/);
        assert.deepEqual(filesIn("botssys/infile/outage"), digests(files), "every file delivered exactly once");
        assert.deepEqual(objects("outage/"), {});
    });
});

// The command lines of `npm run backup`, `npm run migrate:fork`, `npm run image:build` and
// `npm run convert:fork-exchange` (util.parseArgs through scripts/cli-args.ts): what they accept,
// and the usage refusals (exit 64) an operator reads.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { UsageError, parseOptions } from "../../scripts/cli-args";
import { parseOptions as backupOptions } from "../../scripts/backup/options";
import { parseOptions as forkOptions } from "../../scripts/migrate-fork/options";

const ROOT = path.resolve(__dirname, "..", "..");
const TARGET = ["--kubeconfig", "k.yaml", "--context", "ctx", "--namespace", "ns"];

function refused(parse: () => unknown, message: string): void {
    assert.throws(parse, (e: Error) => {
        assert.ok(e instanceof UsageError, `${e}`);
        assert.strictEqual(e.message, message);
        return true;
    });
}

describe("operator script command lines (util.parseArgs)", function () {
    it("backup: the command and its options, `--option value` and `--option=value`", function () {
        assert.deepStrictEqual(backupOptions(["restore", "--stack", "prod", "--id", "latest", "--from-stack=dev", "--wait-engine", "60"]), {
            command: "restore",
            stack: "prod",
            id: "latest",
            fromStack: "dev",
            waitEngine: 60,
        });
        assert.strictEqual(backupOptions(["list", "--stack", "dev"]).waitEngine, 1800);
    });

    it("backup: an unknown option, a stray argument and a missing value are refused by name", function () {
        refused(() => backupOptions(["list", "--stack", "dev", "--bogus"]), "unknown option --bogus");
        refused(() => backupOptions(["list", "--stack", "dev", "extra"]), "unknown option extra");
        refused(() => backupOptions(["list", "-s", "dev"]), "unknown option -s");
        refused(() => backupOptions(["restore", "--stack", "dev", "--id"]), "--id needs a value");
        refused(() => backupOptions(["list", "--stack", "--id", "x"]), "--stack needs a value");
        refused(() => backupOptions(["list"]), "--stack is required: the deployed stack whose backups these are");
        refused(() => backupOptions(["restore", "--stack", "dev"]), "restore needs --id latest or --id <an id from list>");
        refused(() => backupOptions(["bogus", "--stack", "dev"]), 'unknown command "bogus": list, run or restore');
    });

    it("migrate:fork: the command and its options; the kubeconfig path made absolute", function () {
        const o = forkOptions(["plan", ...TARGET, "--plan-json"]);
        assert.deepStrictEqual(o, {
            command: "plan",
            kubeconfig: path.resolve("k.yaml"),
            context: "ctx",
            namespace: "ns",
            stack: undefined,
            json: true,
            waitEngine: 1800,
            forkImage: undefined,
        });
        assert.strictEqual(forkOptions(["undo", ...TARGET, "--stack", "s", "--fork-image", "img:1"]).forkImage, "img:1");
    });

    it("migrate:fork: an unknown option, a flag with a value and a missing value are refused by name", function () {
        refused(() => forkOptions(["plan", ...TARGET, "--bogus"]), "unknown option --bogus");
        refused(() => forkOptions(["plan", ...TARGET, "--plan-json=yes"]), "unknown option --plan-json=yes");
        refused(() => forkOptions(["plan", ...TARGET, "--fork-image"]), "--fork-image needs a value");
        refused(() => forkOptions(["plan", "--kubeconfig", "--context", "ctx"]), "--kubeconfig needs a value");
        refused(() => forkOptions(["plan", "--context", "ctx"]), "--kubeconfig is required: the migration never uses the current kubectl context");
        refused(() => forkOptions(["run", ...TARGET]), "run needs --stack: the Pulumi stack that takes the installation over");
        refused(() => forkOptions(["plan", ...TARGET, "--wait-engine", "-1"]), "--wait-engine must be a whole number of seconds");
    });

    it("options without a command: repeatable options collect in order, flags, and the same refusals", function () {
        const kinds = { plugin: "strings", tag: "string", push: "boolean" } as const;
        assert.deepStrictEqual(parseOptions(["--plugin", "a", "--tag=t:1", "--plugin=b", "--push"], kinds), { plugin: ["a", "b"], tag: "t:1", push: true });
        assert.deepStrictEqual(parseOptions([], kinds), {});
        refused(() => parseOptions(["stray"], kinds), "unknown option stray");
        refused(() => parseOptions(["--plugin", "a", "--plugin"], kinds), "--plugin needs a value");
        refused(() => parseOptions(["--plugin", "--push"], kinds), "--plugin needs a value");
        refused(() => parseOptions(["--push=no"], kinds), "unknown option --push=no");
        refused(() => parseOptions(["--bogus"], kinds), "unknown option --bogus");
    });

    it("the scripts print the refusal with their usage and exit 64, before touching a cluster", async function () {
        this.timeout(60_000);
        // All at once: each is a ts-node start.
        const run = (script: string, args: string[]) =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
                const file = path.join(ROOT, "scripts", script);
                const [cmd, pre] = script.endsWith(".ts") ? [path.join(ROOT, "node_modules", ".bin", "ts-node"), ["--transpile-only"]] : ["bash", []];
                const child = spawn(cmd, [...pre, file, ...args], { stdio: ["ignore", "ignore", "pipe"] });
                let stderr = "";
                child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
                child.on("close", (code) => resolve({ code, stderr }));
            });
        const [backup, fork, build, convert] = await Promise.all([
            run("backup.sh", ["list", "--stack", "dev", "--bogus"]),
            run("migrate-fork.sh", ["plan", "--kubeconfig"]),
            run("image-build.sh", ["--plugin", "p", "--bogus"]),
            run("fork-exchange-config.ts", ["--schedule", "*/5 * * * *"]),
        ]);
        assert.strictEqual(backup.code, 64, backup.stderr);
        assert.strictEqual(backup.stderr, "backup: unknown option --bogus\nusage: npm run backup -- list|run|restore --stack S [--id latest|ID] [--from-stack OTHER]\n");
        assert.strictEqual(fork.code, 64, fork.stderr);
        assert.strictEqual(fork.stderr, "migrate-fork: usage: --kubeconfig needs a value\n");
        assert.strictEqual(build.code, 64, build.stderr);
        assert.match(build.stderr, /^image:build: unknown option --bogus \(allowed: --bots-source DIR, --plugin DIR \(repeatable\),/);
        assert.strictEqual(convert.code, 64, convert.stderr);
        assert.strictEqual(
            convert.stderr,
            "convert:fork-exchange: the fork's mover config file comes first\nusage: npm run convert:fork-exchange -- FORK_CONFIG.yaml [--env-dir PATH] [--schedule CRON]\n",
        );
    });
});

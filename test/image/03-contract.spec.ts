// The runtime contract without a database server: service dispatch, identity, read-only root,
// writable mounts, config assembly, botsenv seeding.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE, UID, cleanupAll, docker, ensureImage, makeConfigDir, makeVolume, must, runArgs } from "./support";

const PORTS = { web: 18070, jobqueue: 28172, engine: 28171 };

describe("runtime contract", function () {
    this.timeout(180_000);
    let volume: string;
    let etc: string;

    before(function () {
        ensureImage();
        volume = makeVolume("contract");
        etc = makeConfigDir(PORTS);
    });
    after(cleanupAll);

    function shell(script: string, extraEnv: Record<string, string> = {}, o: { etc?: string; volume?: string } = {}) {
        return docker([...runArgs({ volume: o.volume ?? volume, etc: o.etc ?? etc, env: extraEnv }), IMAGE, "shell", "bash", "-c", script]);
    }

    it("an unknown service type prints usage and exits 64", function () {
        const r = docker([...runArgs({ volume }), IMAGE, "webservr"]);
        assert.equal(r.code, 64);
        assert.match(r.stderr, /unknown service type 'webservr'/);
        assert.match(r.stderr, /usage: bots-entrypoint SERVICE/);
    });

    it("engine refuses --routeid, -c and other unknown flags (Bots itself would print usage and exit 0)", function () {
        for (const args of [["--routeid=myroute"], ["-c/etc/bots"], ["-h"]]) {
            const r = docker([...runArgs({ volume, etc }), IMAGE, "engine", ...args]);
            assert.equal(r.code, 64, `${args}: ${r.stderr}`);
        }
    });

    it("runs as uid/gid 10001 with HOME=/home/bots", function () {
        const r = must(shell('echo "$(id -u):$(id -g) $HOME $BOTSENV"'), "shell");
        assert.equal(r.stdout.trim(), `${UID}:${UID} /home/bots default`);
    });

    it("with --read-only only /tmp, /run/bots and the data volume are writable", function () {
        const script = [
            "for d in / /etc /etc/bots /opt/venv /opt/bots/config /home/bots /usr/local/bin /var/tmp /tmp /run/bots /home/bots/.bots; do",
            '  if touch "$d/.w" 2>/dev/null; then rm -f "$d/.w"; echo "W $d"; else echo "R $d"; fi',
            "done",
        ].join("\n");
        const out = must(shell(script), "shell").stdout;
        const writable = out.split("\n").filter((l) => l.startsWith("W ")).map((l) => l.slice(2)).sort();
        assert.deepEqual(writable, ["/home/bots/.bots", "/run/bots", "/tmp"]);
    });

    it("assembles /run/bots/config from /etc/bots: absolute botssys, no acceptance mode, dirmonitor paths inside the botsenv", function () {
        const out = must(shell("cat /run/bots/config/bots.ini; ls -A /run/bots/config", { BOTSENV: "dev" }), "shell").stdout;
        assert.match(out, new RegExp(`^port = ${PORTS.web}$`, "m"), "the mounted /etc/bots/bots.ini is used");
        assert.match(out, /^botssys = \/home\/bots\/\.bots\/env\/dev\/botssys$/m);
        assert.match(out, /^usersys = usersys$/m);
        assert.match(out, /^runacceptancetest = False$/m);
        const paths = [...out.matchAll(/^path = (.*)$/gm)].map((m) => m[1]);
        assert.ok(paths.length >= 1);
        for (const p of paths) {
            assert.ok(p.startsWith("/home/bots/.bots/env/dev/"), `dirmonitor path ${p}`);
        }
        assert.match(out, /__init__\.py/);
        assert.match(out, /settings\.py/);
    });

    it("falls back to the image's default bots.ini and settings.py when /etc/bots is empty", function () {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "bots-empty-etc-"));
        fs.chmodSync(empty, 0o755);
        try {
            const out = must(shell("head -1 /run/bots/config/bots.ini; grep -c '^port = 8080$' /run/bots/config/bots.ini; cat /run/bots/config/settings.py", {}, { etc: empty }), "shell").stdout;
            assert.match(out, /from \/opt\/bots\/config\/bots\.ini/);
            assert.match(out, /^1$/m);
            assert.match(out, /^from bots_runtime\.settings import \*/m);
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });

    it("creates and seeds botssys/usersys under env/$BOTSENV from Bots' own usersys, idempotently", function () {
        must(shell("true", { BOTSENV: "seedtest" }), "first start");
        const env = path.join(volume, "env", "seedtest");
        for (const p of ["botssys/data", "botssys/logging", "usersys/__init__.py", "usersys/charsets/unoa.py", "usersys/charsets/unob.py", "usersys/grammars/__init__.py", "usersys/mappings/__init__.py"]) {
            assert.ok(fs.existsSync(path.join(env, p)), `${p} exists`);
        }
        assert.equal(fs.statSync(path.join(env, "usersys", "__init__.py")).uid, UID);
        // A user's change survives the next start (seeding never overwrites).
        fs.writeFileSync(path.join(env, "usersys", "charsets", "unoa.py"), "# edited by the user\n");
        fs.rmSync(path.join(env, "usersys", "charsets", "unob.py"));
        must(shell("true", { BOTSENV: "seedtest" }), "second start");
        assert.equal(fs.readFileSync(path.join(env, "usersys", "charsets", "unoa.py"), "utf8"), "# edited by the user\n");
        assert.ok(!fs.existsSync(path.join(env, "usersys", "charsets", "unob.py")), "no re-seeding over an existing usersys");
    });

    it("exits 78 on an absolute usersys in bots.ini (Bots 3.3.1 cannot import it)", function () {
        const bad = makeConfigDir(PORTS, "");
        const ini = fs.readFileSync(path.join(bad, "bots.ini"), "utf8").replace(/^usersys = usersys$/m, "usersys = /srv/usersys");
        fs.writeFileSync(path.join(bad, "bots.ini"), ini);
        const r = docker([...runArgs({ volume, etc: bad }), IMAGE, "shell", "true"]);
        assert.equal(r.code, 78, r.stderr);
        assert.match(r.stderr, /usersys/);
    });

    it("exits non-zero when DJANGO_SECRET_KEY is empty (no built-in key)", function () {
        const r = docker([...runArgs({ volume, etc, env: { DJANGO_SECRET_KEY: "" } }), IMAGE, "init-db"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /DJANGO_SECRET_KEY/);
    });

    it("a data volume not writable by 10001 fails fast with a hint about fsGroup", function () {
        const rootOwned = fs.mkdtempSync(path.join("/var/tmp", "bots-image-rootvol-"));
        fs.chmodSync(rootOwned, 0o755);
        try {
            const r = docker([...runArgs({ volume: rootOwned, etc }), IMAGE, "init-db"]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /fsGroup 10001/);
        } finally {
            fs.rmSync(rootOwned, { recursive: true, force: true });
        }
    });
});

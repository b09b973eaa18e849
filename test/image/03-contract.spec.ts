// The runtime contract of the Bots 4 image without a database server: service dispatch, identity,
// read-only root, writable mounts, config assembly in Bots 4's botsenv layout, botsenv seeding,
// the fork's variables, secrets from files.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE, UID, cleanupAll, docker, ensureImage, makeConfigDir, makeVolume, must, requireShared, run, runArgs } from "./support";

const PORTS = { web: 18070, jobqueue: 28172, engine: 28171 };

describe("runtime contract", function () {
    this.timeout(180_000);
    let volume: string;
    let etc: string;

    before(function () {
        requireShared(this);
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

    it("assembles /run/bots/config from /etc/bots, linked as <botsenv>/config (Bots 4's layout); relative botssys kept; dirmonitor paths inside the botsenv", function () {
        const out = must(shell("cat /run/bots/config/bots.ini; ls -A /run/bots/config; readlink /home/bots/.bots/env/dev/config; echo \"CFG=$BOTS_CONFIG_DIR\"", { BOTSENV: "dev" }), "shell").stdout;
        assert.match(out, new RegExp(`^port = ${PORTS.web}$`, "m"), "the mounted /etc/bots/bots.ini is used");
        assert.match(out, /^botssys = botssys$/m, "Bots 4 resolves it against the botsenv itself");
        assert.match(out, /^usersys = usersys$/m);
        assert.match(out, /^\/run\/bots\/config$/m, "env/dev/config -> /run/bots/config");
        assert.match(out, /^CFG=\/home\/bots\/\.bots\/env\/dev\/config$/m);
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

    it("exits non-zero when DJANGO_SECRET_KEY is empty (no built-in key)", function () {
        const r = docker([...runArgs({ volume, etc, env: { DJANGO_SECRET_KEY: "" } }), IMAGE, "init-db"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /DJANGO_SECRET_KEY/);
    });

    it("moves a real config/ dir of the fork's layout aside once and links its own", function () {
        const env = path.join(volume, "env", "forklayout");
        fs.mkdirSync(path.join(env, "config"), { recursive: true });
        fs.writeFileSync(path.join(env, "config", "bots.ini"), "[settings]\n");
        must(run("chown", ["-R", `${UID}:${UID}`, env]), "chown");
        const r = must(shell("readlink /home/bots/.bots/env/forklayout/config", { BOTSENV: "forklayout" }), "shell");
        assert.equal(r.stdout.trim(), "/run/bots/config");
        const aside = fs.readdirSync(env).filter((n) => n.startsWith("config.before-image-"));
        assert.equal(aside.length, 1, fs.readdirSync(env).join(" "));
        assert.equal(fs.readFileSync(path.join(env, aside[0], "bots.ini"), "utf8"), "[settings]\n");
    });

    it("the fork's DB_INIT_SKIP is refused with exit 64 and a message naming the replacement", function () {
        for (const value of ["true", "false"]) {
            const r = docker([...runArgs({ volume, etc, env: { DB_INIT_SKIP: value } }), IMAGE, "webserver"]);
            assert.equal(r.code, 64, r.stderr);
            assert.match(r.stderr, /DB_INIT_SKIP is not read by this image: only the init-db service \(the db-init Job\) initialises the database/);
        }
    });

    it("the fork's CONFIG_DIR is honoured as the source config dir, and PORT sets [webserver] port", function () {
        const out = must(shell("grep '^port' /run/bots/config/bots.ini", { CONFIG_DIR: "/etc/bots", PORT: "18999" }, { etc }), "shell");
        assert.match(out.stdout, /^port = 18999$/m);
        assert.match(out.stderr, /CONFIG_DIR is the fork's name for BOTS_SOURCE_CONFIG_DIR/);
        const bad = docker([...runArgs({ volume, etc, env: { PORT: "http" } }), IMAGE, "shell", "true"]);
        assert.equal(bad.code, 78);
        assert.match(bad.stderr, /PORT='http': expected a TCP port number/);
    });

    it("docker run --read-only --tmpfs /run/bots (no uid/mode options) starts and uses /run/bots", function () {
        const args = ["run", "--rm", "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/run/bots", "-v", `${volume}:/home/bots/.bots`, "-v", `${etc}:/etc/bots:ro`, "-e", "DJANGO_SECRET_KEY=x"];
        const r = docker([...args, IMAGE, "shell", "bash", "-c", "readlink /home/bots/.bots/env/default/config; stat -c %a /run/bots"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["/run/bots/config", "1777"]);
    });

    it("a /run/bots that is not writable (read-only mount): /tmp/bots-run is used, with a log line", function () {
        const args = ["run", "--rm", "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/run/bots:ro", "-v", `${volume}:/home/bots/.bots`, "-v", `${etc}:/etc/bots:ro`, "-e", "DJANGO_SECRET_KEY=x"];
        const r = docker([...args, IMAGE, "shell", "bash", "-c", "readlink /home/bots/.bots/env/default/config; ls /tmp/bots-run/config"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /\/run\/bots is not writable for uid 10001 .*using \/tmp\/bots-run/);
        assert.match(r.stdout, /^\/tmp\/bots-run\/config$/m);
        assert.match(r.stdout, /^bots\.ini$/m);
    });

    describe("secrets as files (*_FILE)", function () {
        let secretsDir: string;
        before(function () {
            secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-image-secrets-"));
            fs.writeFileSync(path.join(secretsDir, "django-secret-key"), "key-from-a-file\n");
            fs.writeFileSync(path.join(secretsDir, "db-password"), "pw from file\n");
            fs.writeFileSync(path.join(secretsDir, "email-password"), "mail-pw");
            for (const f of fs.readdirSync(secretsDir)) {
                fs.chmodSync(path.join(secretsDir, f), 0o444);
            }
            fs.chmodSync(secretsDir, 0o755);
        });
        after(function () {
            fs.rmSync(secretsDir, { recursive: true, force: true });
        });
        const fileEnv = {
            DJANGO_SECRET_KEY: "",
            DJANGO_SECRET_KEY_FILE: "/secrets/django-secret-key",
            DB_PASSWORD_FILE: "/secrets/db-password",
            EMAIL_HOST_PASSWORD_FILE: "/secrets/email-password",
        };
        const printSettings = "from bots_runtime import settings as s; print(repr(s.SECRET_KEY)); print(repr(s.EMAIL_HOST_PASSWORD)); " +
            "import os; os.environ['BOTS_DB_ENGINE']='postgresql'; import importlib; importlib.reload(s); print(repr(s.DATABASES['default']['PASSWORD']))";

        it("DJANGO_SECRET_KEY_FILE, DB_PASSWORD_FILE, EMAIL_HOST_PASSWORD_FILE are read (one trailing newline stripped)", function () {
            const r = docker([...runArgs({ volume, etc, env: fileEnv, extra: ["-v", `${secretsDir}:/secrets:ro`] }), IMAGE, "shell", "python3", "-c", printSettings]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(r.stdout.trim().split("\n"), ["'key-from-a-file'", "'mail-pw'", "'pw from file'"]);
        });

        it("X and X_FILE both set: the start fails (78) with a message naming both", function () {
            const r = docker([...runArgs({ volume, etc, env: { ...fileEnv, DB_PASSWORD: "also-plain" }, extra: ["-v", `${secretsDir}:/secrets:ro`] }), IMAGE, "init-db"]);
            assert.equal(r.code, 78, r.stderr);
            assert.match(r.stderr, /DB_PASSWORD and DB_PASSWORD_FILE are both set: set only one/);
        });

        it("an unreadable X_FILE fails the start (78) naming the variable and the path", function () {
            const r = docker([...runArgs({ volume, etc, env: { ...fileEnv, EMAIL_HOST_PASSWORD_FILE: "/secrets/missing" }, extra: ["-v", `${secretsDir}:/secrets:ro`] }), IMAGE, "webserver"]);
            assert.equal(r.code, 78, r.stderr);
            assert.match(r.stderr, /EMAIL_HOST_PASSWORD_FILE=\/secrets\/missing: cannot read/);
        });

        it("init-db creates the superuser with SUPERUSER_PASSWORD_FILE", function () {
            fs.writeFileSync(path.join(secretsDir, "su"), "su-pw-from-file\n");
            fs.chmodSync(path.join(secretsDir, "su"), 0o444);
            const env = { ...fileEnv, BOTSENV: "secretfiles", SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD_FILE: "/secrets/su" };
            const extra = ["-v", `${secretsDir}:/secrets:ro`];
            const r = docker([...runArgs({ volume, etc, env, extra }), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /superuser 'admin' created/);
            const check = docker([...runArgs({ volume, etc, env, extra }), IMAGE, "shell", "python3", "-c",
                "from bots_runtime.bootstrap import init_bots; init_bots(quiet=True)\nfrom django.contrib.auth import authenticate\nprint('AUTH', authenticate(username='admin', password='su-pw-from-file') is not None)"]);
            assert.match(check.stdout, /^AUTH True$/m, check.stderr);
        });
    });

    it("SIGTERM right after the start (entrypoint still preparing, Bots still importing) ends webserver and jobqueueserver with 0", function () {
        for (const service of ["webserver", "jobqueueserver"]) {
            const name = `bots-image-test-early-stop-${service}`;
            docker(["rm", "-f", name]);
            must(docker([...runArgs({ volume, etc, name, detach: true }), IMAGE, service]), `start ${service}`);
            const stop = docker(["stop", "-t", "20", name]);
            const code = must(docker(["inspect", "-f", "{{.State.ExitCode}}", name]), "inspect").stdout.trim();
            docker(["rm", "-f", name]);
            assert.equal(stop.code, 0);
            assert.equal(code, "0", `${service} exit code after an early SIGTERM`);
        }
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

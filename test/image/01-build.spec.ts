// The image builds from the real docker/Dockerfile, and what it contains.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BASE_IMAGE, IMAGE, ROOT, docker, ensureImage, must } from "./support";

describe("image build (docker/Dockerfile)", function () {
    this.timeout(1_800_000);

    it("builds from the real Dockerfile with the local base passed as BASE_IMAGE", function () {
        const r = ensureImage();
        console.log(`      build (${BASE_IMAGE}): ${(r.ms / 1000).toFixed(1)}s`);
        const id = must(docker(["image", "inspect", "-f", "{{.Id}}", IMAGE]), "inspect").stdout.trim();
        assert.match(id, /^sha256:[0-9a-f]{64}$/);
    });

    it("defaults BASE_IMAGE to a public Debian bookworm slim image pinned by date tag", function () {
        const dockerfile = fs.readFileSync(path.join(ROOT, "docker", "Dockerfile"), "utf8");
        const m = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile);
        assert.ok(m, "ARG BASE_IMAGE with a default");
        assert.match(m![1], /^debian:bookworm-\d{8}-slim(@sha256:[0-9a-f]{64})?$/);
        assert.ok(!dockerfile.includes("bots-local/"), "the local test base never appears in the Dockerfile");
        assert.ok(!/^HEALTHCHECK/m.test(dockerfile), "no HEALTHCHECK (services differ; probes are Kubernetes')");
    });

    it("runs tini as PID 1 with the entrypoint, as uid:gid 10001:10001, port 8080, no healthcheck", function () {
        const cfg = JSON.parse(must(docker(["image", "inspect", "-f", "{{json .Config}}", IMAGE]), "inspect").stdout);
        assert.deepEqual(cfg.Entrypoint, ["/usr/bin/tini", "--", "/usr/local/bin/bots-entrypoint"]);
        assert.equal(cfg.User, "10001:10001");
        assert.ok(cfg.ExposedPorts && "8080/tcp" in cfg.ExposedPorts);
        assert.equal(cfg.Healthcheck ?? null, null);
        assert.ok((cfg.Env as string[]).includes("HOME=/home/bots"));
        assert.ok((cfg.Env as string[]).includes("BOTSENV=default"));
        const pid1 = must(docker(["run", "--rm", "--entrypoint", "/usr/bin/tini", IMAGE, "--version"]), "tini").stdout;
        assert.match(pid1, /tini version/);
    });

    it("has no compilers, has tzdata, the PostgreSQL and MySQL drivers, Bots 3.3.1 on Django 2.2 / Python 3.11", function () {
        const script = [
            "set -e",
            "for c in gcc cc g++ make ld; do if command -v $c >/dev/null; then echo COMPILER:$c; fi; done",
            "test -f /usr/share/zoneinfo/Europe/Amsterdam && echo TZDATA",
            "python3 -c 'import sys, django, psycopg2, MySQLdb, pyinotify, importlib.metadata as m; " +
                "print(\"PY\", sys.version.split()[0]); print(\"DJANGO\", django.get_version()); " +
                "print(\"BOTS\", m.version(\"bots-ediint\")); print(\"PSYCOPG2\", psycopg2.__version__.split()[0]); " +
                "print(\"MYSQLDB\", MySQLdb.version_info[:3]); print(\"VENV\", sys.prefix)'",
            "command -v bots-webserver bots-engine bots-jobqueueserver bots-dirmonitor bots-healthcheck bots-init-db",
        ].join("\n");
        const out = must(docker(["run", "--rm", "--entrypoint", "bash", IMAGE, "-c", script]), "inspect runtime").stdout;
        assert.ok(!out.includes("COMPILER:"), out);
        assert.ok(out.includes("TZDATA"));
        assert.match(out, /^PY 3\.11\./m);
        assert.match(out, /^DJANGO 2\.2\.28$/m);
        assert.match(out, /^BOTS 3\.3\.1$/m);
        assert.match(out, /^PSYCOPG2 2\.9\./m);
        assert.match(out, /^MYSQLDB \(2, 2/m);
        assert.match(out, /^VENV \/opt\/venv$/m);
        assert.equal(out.match(/^\/opt\/venv\/bin\/bots-/gm)?.length, 6);
    });
});

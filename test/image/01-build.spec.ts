// The images build from the real docker/Dockerfile through `npm run image:build`, and what they
// contain: Bots 4 from ../shared/upstream/bots with the four plugins (the supported path), Bots
// 3.3.1 from PyPI (end-of-life fallback).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    BASE_IMAGE, IMAGE, IMAGE_331, IMAGE_PLUGINS, ROOT, docker, ensureImage, ensureImage331, ensurePluginsImage, must, requireShared,
} from "./support";

function config(image: string): { Entrypoint: string[]; User: string; ExposedPorts: Record<string, unknown>; Healthcheck: unknown; Env: string[]; Labels: Record<string, string> } {
    return JSON.parse(must(docker(["image", "inspect", "-f", "{{json .Config}}", image]), "inspect").stdout);
}

function inside(image: string, script: string): string {
    return must(docker(["run", "--rm", "--entrypoint", "bash", image, "-c", script]), "inspect runtime").stdout;
}

const VERSIONS = [
    "set -e",
    "for c in gcc cc g++ make ld; do if command -v $c >/dev/null; then echo COMPILER:$c; fi; done",
    "test -f /usr/share/zoneinfo/Europe/Amsterdam && echo TZDATA",
    "python3 -c 'import sys, django, importlib.metadata as m; print(\"PY\", sys.version.split()[0]); print(\"DJANGO\", django.get_version()); " +
        "print(\"BOTS\", m.version(\"bots-ediint\")); print(\"VENV\", sys.prefix)'",
    "if /opt/venv/bin/python3 -m pip --version >/dev/null 2>&1 || ls /opt/venv/bin | grep -q '^pip'; then echo PIP:present; fi",
    // One S3 client for the backups and the file exchange: MinIO's, not also the AWS SDK.
    "python3 -c 'import importlib.util as u; print(\"S3\", *[n for n in (\"minio\", \"boto3\", \"botocore\") if u.find_spec(n)])'",
    "command -v bots-webserver bots-engine bots-jobqueueserver bots-dirmonitor bots-healthcheck bots-init-db",
].join("\n");

describe("image build: Bots 4 from a source tree, with plugins (docker/Dockerfile via image:build)", function () {
    this.timeout(2_400_000);

    before(function () {
        requireShared(this);
    });

    it("builds with the local base passed as BASE_IMAGE and prints the image reference last", function () {
        const r = ensureImage();
        console.log(`      build (${BASE_IMAGE}): ${(r.ms / 1000).toFixed(1)}s`);
        const last = r.stdout.trim().split("\n").pop()!;
        assert.match(last, /^bots-edi:bots-4\.0\.0-[0-9a-f]{12}$/);
        assert.equal(
            must(docker(["image", "inspect", "-f", "{{.Id}}", last]), "inspect").stdout.trim(),
            must(docker(["image", "inspect", "-f", "{{.Id}}", IMAGE]), "inspect").stdout.trim(),
        );
    });

    it("carries OCI labels: source, revision, version of Bots", function () {
        const labels = config(IMAGE).Labels;
        assert.equal(labels["io.github.bots-edi-deploy.bots.version"], "4.0.0");
        assert.match(labels["org.opencontainers.image.revision"], /^[0-9a-f]{40}$/);
        assert.equal(labels["org.opencontainers.image.title"], "bots-edi");
        assert.ok("org.opencontainers.image.source" in labels);
    });

    it("runs Bots 4.0.0 on Django 5.2 / Python 3.11 with psycopg 3, mysqlclient and the tools extra; no compilers, no pip", function () {
        const out = inside(IMAGE, VERSIONS + "\npython3 -m bots_runtime.selfcheck");
        assert.ok(!out.includes("COMPILER:"), out);
        assert.ok(!out.includes("PIP:present"), "pip is not in the runtime venv");
        assert.ok(out.includes("TZDATA"));
        assert.match(out, /^PY 3\.11\./m);
        assert.match(out, /^DJANGO 5\.2\.\d+$/m);
        assert.match(out, /^BOTS 4\.0\.0$/m);
        assert.match(out, /^VENV \/opt\/venv$/m);
        assert.match(out, /psycopg, genshi, paramiko, pdfminer, xlrd, bots\.healthcheck/);
        assert.match(out, /^S3 minio$/m);
        assert.equal(out.match(/^\/opt\/venv\/bin\/bots-/gm)?.length, 5);
        assert.match(out, /^\/opt\/bots\/bin\/bots-engine$/m, "bots-engine without empty arguments comes first on PATH");
    });

    it("holds its plugin under /opt/bots/plugins; the four-plugin build lists them in plugins.txt in install order", function () {
        assert.equal(inside(IMAGE, "cat /opt/bots/plugins/plugins.txt").trim(), "my_first_plugin");
        ensurePluginsImage();
        const out = inside(IMAGE_PLUGINS, "cat /opt/bots/plugins/plugins.txt; ls /opt/bots/plugins/*/botsindex.json");
        assert.match(out, /^my_first_plugin\nedifact_orders_to_print\nedifact_to_xml_orders-desadv-invoice\nx12_to_xml_850-856-810-997$/m);
        assert.equal(out.match(/botsindex\.json$/gm)?.length, 4);
    });
});

describe("image build: Bots 3.3.1 from PyPI (end-of-life fallback)", function () {
    this.timeout(2_400_000);

    it("builds and runs Bots 3.3.1 on Django 2.2 with psycopg2; no compilers, no pip; labelled 3.3.1", function () {
        ensureImage331();
        const out = inside(IMAGE_331, VERSIONS + "\npython3 -m bots_runtime.selfcheck");
        assert.ok(!out.includes("COMPILER:"), out);
        assert.ok(!out.includes("PIP:present"));
        assert.match(out, /^DJANGO 2\.2\.28$/m);
        assert.match(out, /^BOTS 3\.3\.1$/m);
        assert.match(out, /psycopg2/);
        assert.match(out, /^S3 minio$/m);
        assert.equal(config(IMAGE_331).Labels["io.github.bots-edi-deploy.bots.version"], "3.3.1");
    });
});

describe("image layout (both Bots lines)", function () {
    this.timeout(2_400_000);

    it("defaults BASE_IMAGE to a public Debian bookworm slim image pinned by date tag", function () {
        const dockerfile = fs.readFileSync(path.join(ROOT, "docker", "Dockerfile"), "utf8");
        const m = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile);
        assert.ok(m, "ARG BASE_IMAGE with a default");
        assert.match(m![1], /^debian:bookworm-\d{8}-slim(@sha256:[0-9a-f]{64})?$/);
        assert.ok(!dockerfile.includes("bots-local/"), "the local test base never appears in the Dockerfile");
        assert.ok(!/^HEALTHCHECK/m.test(dockerfile), "no HEALTHCHECK (services differ; probes are Kubernetes')");
    });

    it("runs tini as PID 1 with the entrypoint, as uid:gid 10001:10001, port 8080, no healthcheck", function () {
        ensureImage331();
        const cfg = config(IMAGE_331);
        assert.deepEqual(cfg.Entrypoint, ["/usr/bin/tini", "--", "/usr/local/bin/bots-entrypoint"]);
        assert.equal(cfg.User, "10001:10001");
        assert.ok(cfg.ExposedPorts && "8080/tcp" in cfg.ExposedPorts);
        assert.equal(cfg.Healthcheck ?? null, null);
        assert.ok((cfg.Env as string[]).includes("HOME=/home/bots"));
        assert.ok((cfg.Env as string[]).includes("BOTSENV=default"));
        const pid1 = must(docker(["run", "--rm", "--entrypoint", "/usr/bin/tini", IMAGE_331, "--version"]), "tini").stdout;
        assert.match(pid1, /tini version/);
    });
});

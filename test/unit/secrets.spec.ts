import * as assert from "assert";
import { StackInput, StackRun, T, ofType, podSpecs, runStack } from "../support/harness";
import { reveal } from "../support/values";

// Secrets only where used, as files: each pod spec mounts exactly the secret values its processes
// read (SECRETS_READ in runtime-contract.ts), points the image at each with NAME_FILE, and carries
// no secret value and no secret-key reference in its environment. Rotating one value rolls exactly
// the workloads that read it.

/* eslint-disable @typescript-eslint/no-explicit-any -- reading untyped pod specs */
const SECRET_NAMES = ["DJANGO_SECRET_KEY", "DB_PASSWORD", "EMAIL_HOST_PASSWORD", "SUPERUSER_PASSWORD"];

/** What one pod spec gets: the secret files (by NAME) its containers are pointed at, and the keys mounted. */
function secretsOf(spec: any): { files: string[]; mounted: string[] } {
    const files = new Set<string>();
    for (const c of spec.containers) {
        for (const e of c.env) {
            assert.ok(!SECRET_NAMES.includes(e.name), `${c.name} has the secret ${e.name} in its environment`);
            const ref = e.valueFrom?.secretKeyRef;
            assert.ok(!ref || !SECRET_NAMES.includes(ref.key), `${c.name} reads the secret key ${ref?.key} into ${e.name}`);
            if (e.name.endsWith("_FILE")) {
                files.add(e.name.slice(0, -5));
            }
        }
    }
    const volume = spec.volumes.find((v: any) => v.name === "secrets");
    const mounted = volume.projected.sources.flatMap((s: any) => s.secret.items.map((i: any) => i.key));
    return { files: [...files].sort(), mounted: [...mounted].sort() };
}

function byOwner(run: StackRun): Record<string, { files: string[]; mounted: string[] }> {
    return Object.fromEntries(podSpecs(run).map(({ owner, spec }) => [owner, secretsOf(spec)]));
}

const FULL: StackInput = {
    stack: "dev",
    unset: ["databaseExistingSecret"],
    set: { emailHost: "mail.example.com", emailUser: "bots" },
    secrets: { databasePassword: "db-pw-1", emailPassword: "mail-pw-1", djangoSecretKey: "k".repeat(50), superuserPassword: "su-pw-1" },
};
const service = ["DB_PASSWORD", "DJANGO_SECRET_KEY", "EMAIL_HOST_PASSWORD"];
const init = ["DB_PASSWORD", "DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD"];

describe("secrets only where used, as files", () => {
    it("each pod spec carries exactly its secret keys: the superuser password only in the init Job", async () => {
        assert.deepStrictEqual(byOwner(await runStack(FULL)), {
            "bots-web": { files: service, mounted: service },
            "bots-worker": { files: service, mounted: service },
            "db-init": { files: init, mounted: init },
            "bots-engine": { files: service, mounted: service },
        });
    });

    it("mounts only what exists: no mail password without SMTP login, none of the database with SQLite", async () => {
        const owners = byOwner(await runStack({ stack: "dev", set: { databaseEngine: "sqlite" } }));
        assert.deepStrictEqual(owners["bots-web"], { files: ["DJANGO_SECRET_KEY"], mounted: ["DJANGO_SECRET_KEY"] });
        assert.deepStrictEqual(owners["db-init"], { files: ["DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD"], mounted: ["DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD"] });
    });

    it("keeps each value in a Secret of its own and none in the settings Secret", async () => {
        const run = await runStack(FULL);
        const secrets = ofType(run, T.secret).map((s) => ({ name: s.name, keys: Object.keys(reveal(s.inputs.stringData)) }));
        const settings = secrets.find((s) => s.name === "bots-config")!;
        assert.deepStrictEqual(settings.keys.filter((k) => SECRET_NAMES.includes(k)), []);
        assert.deepStrictEqual(
            secrets.filter((s) => s.name !== "bots-config").map((s) => s.keys).sort(),
            [["DB_PASSWORD"], ["DJANGO_SECRET_KEY"], ["EMAIL_HOST_PASSWORD"], ["SUPERUSER_PASSWORD"]],
        );
    });

    it("mounts the secret keys of an existingConfigSecret the same way", async () => {
        const owners = byOwner(await runStack({ stack: "dev", unset: ["databaseExistingSecret"], set: { existingConfigSecret: "bots-external", emailUser: "bots" } }));
        assert.deepStrictEqual(owners["bots-web"].mounted, service);
        assert.deepStrictEqual(owners["db-init"].mounted, init);
    });

    describe("rotating one value rolls exactly the workloads that read it", () => {
        const templates = (run: StackRun) => Object.fromEntries(podSpecs(run).map(({ owner, spec }) => [owner, JSON.stringify(spec)]));
        const annotations = (run: StackRun) => ({
            web: ofType(run, T.deployment).find((d) => d.inputs.metadata.name === "bots-web")!.inputs.spec.template.metadata.annotations,
            job: ofType(run, T.job)[0].inputs.metadata.name,
        });
        const rotate = (secret: string, value: string) => runStack({ ...FULL, secrets: { ...FULL.secrets, [secret]: value } });
        const changed = (a: StackRun, b: StackRun) => {
            const [x, y] = [templates(a), templates(b)];
            return Object.keys(x).filter((k) => x[k] !== y[k]).sort();
        };

        it("the mail password: web, worker and engine; not the init Job", async () => {
            const [a, b] = [await runStack(FULL), await rotate("emailPassword", "mail-pw-2")];
            assert.deepStrictEqual(changed(a, b), ["bots-engine", "bots-web", "bots-worker"]);
            assert.notDeepStrictEqual(annotations(a).web, annotations(b).web, "the checksum rolls the Deployment");
            assert.strictEqual(annotations(a).job, annotations(b).job, "no new init Job");
        });

        it("the superuser password: only the init Job, replaced under the name the preview showed", async () => {
            const [a, b] = [await runStack(FULL), await rotate("superuserPassword", "su-pw-2")];
            assert.deepStrictEqual(changed(a, b), ["db-init"], "its pod template changes, so the Job is replaced and runs again");
            assert.strictEqual(annotations(a).job, annotations(b).job, "the name is the image's, the settings' and the routes'");
        });

        it("the Django secret key and the database password: every workload", async () => {
            const base = await runStack(FULL);
            for (const [secret, value] of [["djangoSecretKey", "j".repeat(50)], ["databasePassword", "db-pw-2"]]) {
                assert.deepStrictEqual(changed(base, await rotate(secret, value)), ["bots-engine", "bots-web", "bots-worker", "db-init"], secret);
            }
        });

        it("nothing, when nothing changes", async () => {
            assert.deepStrictEqual(changed(await runStack(FULL), await runStack(FULL)), []);
        });
    });
});

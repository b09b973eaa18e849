// End to end, drift (issue 19): the real Pulumi CLI and program against the local kube-apiserver
// and real node. Someone changes a managed object with `kubectl edit`; the drift check the
// scheduled workflow runs (scripts/drift-check.sh: `pulumi preview --refresh --expect-no-changes`)
// reports it with a failing status and a job summary naming the object and the field (the preview
// shows the diff, then its server-side dry run reports the field kubectl-edit now manages), the
// Automation API's preview with refresh says the same, and a following `up --refresh` puts the
// object back.
// Run with `npm run test:e2e` (test/e2e/run.sh); E2E_VERBOSE=1 streams Pulumi's output.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { E2eWorkspace, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, log, selectStack, setLocalConfig, sqliteDevStack } from "./support";

const NAMESPACE = `bots-e2e-drift${SUFFIX}`;
const SCHEDULE = "*/2 * * * *";
const EDITED = "*/1 * * * *";

describe("e2e: drift of a deployed stack is reported, and up puts it back", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let dev: Stack;

    const schedule = (): string => getJson(env, ["-n", NAMESPACE, "get", "cronjob", "bots-engine"]).spec.schedule;

    /** scripts/drift-check.sh as the workflow runs it: exit code, output, and the job summary it wrote. */
    const driftCheck = (): { code: number; out: string; summary: string } => {
        const summary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bots-drift-summary-")), "summary.md");
        const r = spawnSync("bash", ["scripts/drift-check.sh", "dev"], {
            cwd: ws.workDir,
            env: { ...env, ...ws.envVars, GITHUB_STEP_SUMMARY: summary },
            encoding: "utf8",
            timeout: 10 * 60 * 1000,
        });
        const text = fs.existsSync(summary) ? fs.readFileSync(summary, "utf8") : "";
        fs.rmSync(path.dirname(summary), { recursive: true, force: true });
        return { code: r.status ?? -1, out: r.stdout + r.stderr, summary: text };
    };

    before(async function () {
        let image: string;
        ({ env, image, ws } = e2eBefore({ namespaces: [NAMESPACE] }));
        dev = await selectStack(ws, "dev");
        await setLocalConfig(dev, env, { ...sqliteDevStack(NAMESPACE, image), engineSchedule: SCHEDULE });
        await dev.up({ onOutput: log });
    });

    after(async function () {
        e2eAfter(env, ws, [NAMESPACE]);
    });

    it("right after up the drift check finds none: exit 0, the summary says so", function () {
        const r = driftCheck();
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.summary, /^### dev: no drift$/m);
        assert.strictEqual(schedule(), SCHEDULE);
    });

    it("a kubectl edit of the engine CronJob's schedule is drift: the check fails and names the object and the field", async function () {
        // kubectl edit as an operator would run it, with sed as the editor.
        kubectl({ ...env, KUBE_EDITOR: `sed -i -E "s@^  schedule: .*@  schedule: '${EDITED}'@"` }, ["-n", NAMESPACE, "edit", "cronjob", "bots-engine"]);
        assert.strictEqual(schedule(), EDITED, "the edit reached the API server");

        const r = driftCheck();
        process.stdout.write(`      drift-check summary:\n${r.summary.split("<details>")[0].trim().replace(/^/gm, "        | ")}\n`);
        assert.strictEqual(r.code, 1, r.out.slice(-4000));
        assert.match(r.summary.split("<details>")[0], /^### dev: DRIFT: the cluster differs from the stack; `pulumi up --refresh --stack dev` puts it back/m, r.out.slice(-4000));
        assert.match(r.summary, new RegExp(`^- update \`kubernetes:batch/v1:CronJob\` \`${NAMESPACE}/bots-engine\`$`, "m"));
        // The Kubernetes provider applies server-side: the edited field now belongs to kubectl-edit.
        assert.match(r.summary, /^- Apply failed with 1 conflict: conflict with "kubectl-edit" using batch\/v1: \.spec\.schedule$/m);
        assert.match(r.out, /schedule\s*:\s*"\*\/1 \* \* \* \*" => "\*\/2 \* \* \* \*"/, r.out.slice(-4000));

        // The Automation API's preview with refresh, the same verdict.
        await assert.rejects(dev.preview({ refresh: true, expectNoChanges: true, onOutput: log }), /conflict with "kubectl-edit" using batch\/v1: \.spec\.schedule/);
        assert.strictEqual(schedule(), EDITED, "neither check changed anything");
    });

    it("a following up puts the schedule back, and the check passes again", async function () {
        const res = await dev.up({ refresh: true, onOutput: log });
        assert.strictEqual(res.summary.resourceChanges?.update, 1, JSON.stringify(res.summary.resourceChanges));
        assert.strictEqual(schedule(), SCHEDULE);
        const r = driftCheck();
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.summary, /^### dev: no drift$/m);
    });
});

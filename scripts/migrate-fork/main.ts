// `npm run migrate:fork -- COMMAND --kubeconfig FILE --context CTX --namespace NS [--stack STACK]`
//   plan    read the fork's installation and print the stack config it implies and what happens to
//           each of its objects; changes nothing. Exit 2 when it cannot be mapped (each reason named).
//   config  write that config into the stack and stop: review `pulumi preview` before `run`.
//   run     write that config into the stack, stop the fork's writers, hand the installation to the
//           stack (`pulumi up`). Killed or failed at any step: run it again to resume, or undo.
//   undo    give the installation back to the fork: `pulumi destroy` of the stack (never the claim or
//           the namespace), the fork's deleted objects created again, its replicas and CronJobs restored.
//   finish  after checking the migrated stack: delete the fork objects it replaced (docs/migration.md).
// Options: --plan-json (plan: print JSON), --wait-engine SECONDS (run: how long a running engine Job
// is waited for, default 1800), --fork-image IMAGE (undo: image for the volume fix-up pod).
// Needs kubectl and (run, undo) the Pulumi CLI on PATH, in the Pulumi project directory.
import { UsageError } from "../cli-args";
import { Kubectl } from "./kubectl";
import { parseOptions } from "./options";
import { Plan, PlanRefused } from "./plan";
import { currentPlan, finish, run, undo, writeStackConfig } from "./steps";

function printPlan(plan: Plan): void {
    const out: string[] = [`Plan for the installation in namespace ${plan.namespace} (nothing has been changed)`, "", "Stack config it implies:"];
    const width = Math.max(...Object.keys(plan.config).map((k) => k.length), ...plan.secrets.map((s) => s.configKey.length));
    for (const [k, v] of Object.entries(plan.config)) {
        out.push(`  ${k.padEnd(width)}  ${v}`);
    }
    for (const s of plan.secrets) {
        out.push(`  ${s.configKey.padEnd(width)}  (secret) copied from Secret ${s.secret}, key ${s.key}`);
    }
    out.push("", "Objects of the installation:");
    for (const o of plan.objects) {
        out.push(`  ${o.action.padEnd(10)}  ${`${o.kind}/${o.name}`.padEnd(40)}  ${o.by ? `-> ${o.by}: ` : ""}${o.why}`);
    }
    out.push("", `Writers stopped first: ${[...plan.writers.deployments.map((d) => `Deployment/${d.name} (${d.replicas} ${d.replicas === 1 ? "replica" : "replicas"})`), ...plan.writers.cronJobs.map((c) => `CronJob/${c.name}${c.suspend ? " (suspended)" : ""}`)].join(", ")}`);
    if (plan.conflicts.length) {
        out.push(`Deleted right before pulumi up (saved for undo): ${plan.conflicts.map((c) => `${c.kind}/${c.name}`).join(", ")}`);
    }
    out.push("", "Notes:", ...plan.notes.map((n) => `  - ${n}`));
    process.stdout.write(out.join("\n") + "\n");
}

async function main(): Promise<number> {
    const o = parseOptions(process.argv.slice(2));
    const k = new Kubectl({ kubeconfig: o.kubeconfig!, context: o.context!, namespace: o.namespace! });
    const stack = { stack: o.stack!, cwd: process.cwd(), kubeconfig: o.kubeconfig!, context: o.context! };
    switch (o.command) {
        case "plan": {
            const { plan, state } = currentPlan(k);
            if (o.json) {
                process.stdout.write(JSON.stringify({ ...plan, phase: state?.phase ?? null }, null, 2) + "\n");
            } else {
                printPlan(plan);
                if (state) {
                    process.stdout.write(`\nA migration of this namespace is recorded (phase: ${state.phase}).\n`);
                }
            }
            return 0;
        }
        case "config": writeStackConfig(k, stack, currentPlan(k).plan); return 0;
        case "run": await run(k, stack, { waitSeconds: o.waitEngine }); return 0;
        case "undo": await undo(k, stack, { image: o.forkImage }); return 0;
        default: finish(k); return 0;
    }
}

main().then(
    (code) => process.exit(code),
    (e: Error) => {
        if (e instanceof PlanRefused) {
            process.stderr.write(`${e.message}\n`);
            process.exit(2);
        }
        process.stderr.write(`migrate-fork: ${e instanceof UsageError ? "usage: " : ""}${e.message}\n`);
        process.exit(e instanceof UsageError ? 64 : 1);
    },
);

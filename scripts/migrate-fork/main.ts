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
import * as path from "path";
import { Kubectl } from "./kubectl";
import { Plan, PlanRefused } from "./plan";
import { currentPlan, finish, run, undo, writeStackConfig } from "./steps";

interface Options {
    command: string;
    kubeconfig?: string;
    context?: string;
    namespace?: string;
    stack?: string;
    json: boolean;
    waitEngine: number;
    forkImage?: string;
}

class UsageError extends Error {}

function parse(argv: string[]): Options {
    const o: Options = { command: argv[0] ?? "", json: false, waitEngine: 1800 };
    for (let i = 1; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new UsageError(`${flag} needs a value`);
            }
            return v;
        };
        switch (flag) {
            case "--kubeconfig": o.kubeconfig = path.resolve(value()); break;
            case "--context": o.context = value(); break;
            case "--namespace": o.namespace = value(); break;
            case "--stack": o.stack = value(); break;
            case "--plan-json": o.json = true; break;
            case "--wait-engine": o.waitEngine = Number(value()); break;
            case "--fork-image": o.forkImage = value(); break;
            default: throw new UsageError(`unknown option ${flag}`);
        }
    }
    if (!["plan", "config", "run", "undo", "finish"].includes(o.command)) {
        throw new UsageError(`unknown command ${JSON.stringify(o.command)}: plan, config, run, undo or finish`);
    }
    for (const [flag, v] of [["--kubeconfig", o.kubeconfig], ["--context", o.context], ["--namespace", o.namespace]] as const) {
        if (!v) {
            throw new UsageError(`${flag} is required: the migration never uses the current kubectl context`);
        }
    }
    if (["config", "run", "undo"].includes(o.command) && !o.stack) {
        throw new UsageError(`${o.command} needs --stack: the Pulumi stack that takes the installation over`);
    }
    if (!Number.isInteger(o.waitEngine) || o.waitEngine < 0) {
        throw new UsageError("--wait-engine must be a whole number of seconds");
    }
    return o;
}

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
    const o = parse(process.argv.slice(2));
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

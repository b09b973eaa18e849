// The command line of `npm run migrate:fork` (scripts/migrate-fork/main.ts has the commands).
import * as path from "path";

export interface Options {
    command: string;
    kubeconfig?: string;
    context?: string;
    namespace?: string;
    stack?: string;
    json: boolean;
    waitEngine: number;
    forkImage?: string;
}

export class UsageError extends Error {}

export function parseOptions(argv: string[]): Options {
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

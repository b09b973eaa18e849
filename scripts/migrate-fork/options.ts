// The command line of `npm run migrate:fork` (scripts/migrate-fork/main.ts has the commands).
import * as path from "path";
import { UsageError, parseCommandLine } from "../cli-args";

export interface Options {
    /** plan, config, run, undo or finish. */
    command: string;
    /** The kubeconfig file (made absolute). */
    kubeconfig?: string;
    /** Its context: the migration never uses the current one. */
    context?: string;
    /** The installation's namespace. */
    namespace?: string;
    /** The Pulumi stack that takes the installation over. */
    stack?: string;
    /** plan: print JSON. */
    json: boolean;
    /** run: seconds a running engine Job is waited for. */
    waitEngine: number;
    /** undo: image for the volume fix-up pod. */
    forkImage?: string;
}

/** The options of argv, or a UsageError naming what is wrong. */
export function parseOptions(argv: string[]): Options {
    const { command, values } = parseCommandLine(argv, {
        kubeconfig: "string",
        context: "string",
        namespace: "string",
        stack: "string",
        "plan-json": "boolean",
        "wait-engine": "string",
        "fork-image": "string",
    });
    const o: Options = {
        command,
        kubeconfig: values.kubeconfig === undefined ? undefined : path.resolve(values.kubeconfig),
        context: values.context,
        namespace: values.namespace,
        stack: values.stack,
        json: values["plan-json"] === true,
        waitEngine: values["wait-engine"] === undefined ? 1800 : Number(values["wait-engine"]),
        forkImage: values["fork-image"],
    };
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

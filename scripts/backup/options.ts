// The command line of `npm run backup` (scripts/backup/main.ts has the commands and exit codes).
import { UsageError, parseCommandLine } from "../cli-args";

export interface Options {
    /** list, run or restore. */
    command: string;
    /** The deployed stack whose backups these are. */
    stack?: string;
    /** restore: latest or an id from list. */
    id?: string;
    /** restore: the stack that took the backup, when it is another one. */
    fromStack?: string;
    /** restore: seconds a running engine is waited for. */
    waitEngine: number;
}

/** The options of argv, or a UsageError naming what is wrong. */
export function parseOptions(argv: string[]): Options {
    const { command, values } = parseCommandLine(argv, { stack: "string", id: "string", "from-stack": "string", "wait-engine": "string" });
    const o: Options = {
        command,
        stack: values.stack,
        id: values.id,
        fromStack: values["from-stack"],
        waitEngine: values["wait-engine"] === undefined ? 1800 : Number(values["wait-engine"]),
    };
    if (!["list", "run", "restore"].includes(o.command)) {
        throw new UsageError(`unknown command ${JSON.stringify(o.command)}: list, run or restore`);
    }
    if (!o.stack) {
        throw new UsageError("--stack is required: the deployed stack whose backups these are");
    }
    if (o.command === "restore" && !o.id) {
        throw new UsageError("restore needs --id latest or --id <an id from list>");
    }
    return o;
}

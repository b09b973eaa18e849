// The command line of `npm run backup` (scripts/backup/main.ts has the commands and exit codes).
export class UsageError extends Error {}

export interface Options {
    command: string;
    stack?: string;
    id?: string;
    fromStack?: string;
    waitEngine: number;
}

export function parseOptions(argv: string[]): Options {
    const o: Options = { command: argv[0] ?? "", waitEngine: 1800 };
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
            case "--stack": o.stack = value(); break;
            case "--id": o.id = value(); break;
            case "--from-stack": o.fromStack = value(); break;
            case "--wait-engine": o.waitEngine = Number(value()); break;
            default: throw new UsageError(`unknown option ${flag}`);
        }
    }
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

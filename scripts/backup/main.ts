// `npm run backup -- COMMAND --stack S [options]` (docs/backups.md)
//   list     the stack's backups: id, size, age, whether each verifies against its manifest
//   run      take a backup now (a Job from the backup CronJob)
//   restore  --id latest|ID [--from-stack OTHER]: check the backup (refused, with nothing changed:
//            a damaged backup, a newer schema than the image's Bots, another stack's backup without
//            --from-stack), stop the writers, restore the database and files, run the db-init Job
//            again, start the writers as they were.
// Options: --wait-engine SECONDS (restore: how long a running engine is waited for, default 1800).
// Exit codes: 0 done, 1 failure, 2 refused before anything changed, 64 usage.
import { UsageError } from "../cli-args";
import { Kubectl } from "../migrate-fork/kubectl";
import { backupJob, rerunInit } from "./jobs";
import { Options, parseOptions } from "./options";
import { initJobName, stackTarget } from "./target";
import { readWriters, startWriters, stopWriters } from "./writers";

const log = (m: string) => console.log(`backup: ${m}`);

function restore(k: Kubectl, o: Options): number {
    const extra = o.fromStack ? ["--from-stack", o.fromStack] : [];
    const check = backupJob(k, "verify", [o.id!, ...extra], 3600);
    process.stdout.write(check.log);
    if (check.exitCode !== 0) {
        log(check.exitCode === 2 ? "refused; nothing was changed" : `the check failed (exit ${check.exitCode}); nothing was changed`);
        return check.exitCode === 2 ? 2 : 1;
    }
    const id = /backup (\S+) verifies/.exec(check.log)?.[1] ?? o.id!;
    const state = readWriters(k);
    try {
        stopWriters(k, state, o.waitEngine, log);
    } catch (e) {
        startWriters(k, state, log);
        throw e;
    }
    const restored = backupJob(k, "restore", [id, ...extra], 7200);
    process.stdout.write(restored.log);
    if (restored.exitCode !== 0) {
        log(`the restore Job ${restored.name} failed (exit ${restored.exitCode}); the writers stay stopped. Fix the cause and run the restore again, or start them with \`kubectl scale\`/\`kubectl patch\` as they were: ${JSON.stringify(state)}`);
        return 1;
    }
    const init = rerunInit(k, initJobName(o.stack!), 3600);
    process.stdout.write(init.log.split("\n").slice(-6).join("\n"));
    if (init.exitCode !== 0) {
        log(`the db-init Job ${init.name} failed after the restore; the writers stay stopped: kubectl -n ${k.namespace} logs job/${init.name}`);
        return 1;
    }
    startWriters(k, state, log);
    log(`stack ${o.stack} runs on backup ${id}`);
    return 0;
}

function main(argv: string[]): number {
    let o: Options;
    try {
        o = parseOptions(argv);
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(`backup: ${e.message}\nusage: npm run backup -- list|run|restore --stack S [--id latest|ID] [--from-stack OTHER]`);
            return 64;
        }
        throw e;
    }
    const k = new Kubectl(stackTarget(o.stack!));
    if (o.command === "restore") {
        return restore(k, o);
    }
    const r = backupJob(k, o.command, [], 7200);
    process.stdout.write(r.log);
    return r.exitCode;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    console.error(`backup: ${(e as Error).message}`);
    process.exitCode = 1;
}

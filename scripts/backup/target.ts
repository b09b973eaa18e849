// The stack a backup command acts on: its kubeconfig, context and namespace from the stack's own
// config and outputs (read with the Pulumi CLI), never the current kubectl context.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeTarget } from "../migrate-fork/kubectl";

function pulumi(args: string[]): string {
    const r = spawnSync("pulumi", args, { encoding: "utf8" });
    if (r.error) {
        throw new Error(`pulumi could not be started: ${r.error.message} (put the Pulumi CLI on PATH)`);
    }
    if (r.status !== 0) {
        throw new Error(`pulumi ${args.join(" ")}: ${r.stderr.trim()}`);
    }
    return r.stdout.trim();
}

const configValue = (stack: string, key: string) => {
    const r = spawnSync("pulumi", ["config", "get", key, "-s", stack], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : "";
};

/** kubeconfig, context and namespace of a deployed stack. */
export function stackTarget(stack: string): KubeTarget {
    const outputs = JSON.parse(pulumi(["stack", "output", "--json", "-s", stack])) as Record<string, string>;
    if (!outputs.namespace) {
        throw new Error(`stack ${stack} has no namespace output: deploy it (pulumi up) before backing it up or restoring into it`);
    }
    let kubeconfig = configValue(stack, "kubeconfig");
    if (kubeconfig.includes("\n")) {
        // The key holds the file's contents: kubectl reads a file.
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bots-backup-")), "kubeconfig");
        fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
        kubeconfig = file;
    }
    kubeconfig ||= process.env.KUBECONFIG?.split(path.delimiter)[0] || path.join(os.homedir(), ".kube", "config");
    const context = configValue(stack, "kubeContext");
    if (!context) {
        throw new Error(`stack ${stack} has no kubeContext in its config`);
    }
    return { kubeconfig, context, namespace: outputs.namespace };
}

/** The stack's initJobName output: the db-init Job a restore runs again. */
export function initJobName(stack: string): string {
    return (JSON.parse(pulumi(["stack", "output", "--json", "-s", stack])) as Record<string, string>).initJobName;
}

// kubectl with an explicit kubeconfig, context and namespace on every call: the migration never
// acts on whatever the current kubectl context happens to be.
import { spawnSync } from "child_process";

export interface KubeTarget {
    /** Path to the kubeconfig file. */
    kubeconfig: string;
    /** Context in it. */
    context: string;
    /** Namespace of the installation. */
    namespace: string;
}

export class Kubectl {
    constructor(private readonly t: KubeTarget) {}

    get namespace(): string {
        return this.t.namespace;
    }

    private args(args: string[], namespaced: boolean): string[] {
        return ["--kubeconfig", this.t.kubeconfig, "--context", this.t.context, ...(namespaced ? ["-n", this.t.namespace] : []), ...args];
    }

    /** Runs kubectl; never throws. */
    tryRun(args: string[], input?: string, namespaced = true): { ok: boolean; out: string; err: string } {
        const r = spawnSync("kubectl", this.args(args, namespaced), { encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024 });
        if (r.error) {
            return { ok: false, out: "", err: `kubectl could not be started: ${r.error.message}` };
        }
        return { ok: r.status === 0, out: r.stdout, err: r.stderr };
    }

    /** Runs kubectl and returns stdout; throws with kubectl's message on failure. */
    run(args: string[], input?: string, namespaced = true): string {
        const r = this.tryRun(args, input, namespaced);
        if (!r.ok) {
            throw new Error(`kubectl ${args.join(" ")}: ${r.err.trim()}`);
        }
        return r.out;
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    tryJson(args: string[], namespaced = true): { ok: true; value: any } | { ok: false; err: string } {
        const r = this.tryRun([...args, "-o", "json"], undefined, namespaced);
        return r.ok ? { ok: true, value: JSON.parse(r.out) } : { ok: false, err: r.err };
    }
}

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

// Which kubeconfig the Kubernetes provider will read, and which contexts it holds, so a preview
// against a context that does not exist fails instead of reporting a clean plan. The provider takes
// the `kubeconfig` setting as a path when such a file exists and as the contents otherwise; without
// it, $KUBECONFIG (a path list) or ~/.kube/config.

/** The kubeconfig the provider will use: where it comes from, and its context names (or why they could not be read). */
export interface KubeconfigView {
    /** "the kubeconfig key's contents", "/path/a:/path/b", ... as an operator would recognise it. */
    source: string;
    contexts: string[];
    /** Why the file(s) could not be read or parsed, when they could not. */
    unreadable?: string;
    /** The `kubeconfig` setting names a file that does not exist (its path, `~` expanded). */
    notFound?: string;
}

function contextsOf(text: string): string[] {
    const doc = parse(text) as { contexts?: { name?: unknown }[] } | null;
    return (doc?.contexts ?? []).map((c) => c?.name).filter((n): n is string => typeof n === "string");
}

/** Reads the kubeconfig the provider will use, as the provider would choose it. */
export function readKubeconfig(setting: string, env: NodeJS.ProcessEnv = process.env): KubeconfigView {
    if (setting !== "") {
        const asPath = setting.startsWith("~/") ? path.join(os.homedir(), setting.slice(2)) : setting;
        const isFile = !setting.includes("\n") && fs.existsSync(asPath);
        // Contents are YAML over several lines or JSON; one line that is neither is a path whose
        // file is missing. The provider would parse it as contents and find no context at all,
        // which tells the operator nothing about the typo in the path.
        if (!isFile && !setting.includes("\n") && !setting.trimStart().startsWith("{")) {
            return { source: asPath, contexts: [], notFound: asPath };
        }
        const source = isFile ? asPath : "the kubeconfig key's contents";
        try {
            return { source, contexts: contextsOf(isFile ? fs.readFileSync(asPath, "utf8") : setting) };
        } catch (e) {
            return { source, contexts: [], unreadable: isFile ? String(e) : `it is neither an existing file nor kubeconfig YAML (${String(e)})` };
        }
    }
    const files = env.KUBECONFIG ? env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "") : [path.join(os.homedir(), ".kube", "config")];
    const source = files.join(path.delimiter) + (env.KUBECONFIG ? " ($KUBECONFIG)" : "");
    const contexts: string[] = [];
    const missing: string[] = [];
    for (const f of files) {
        try {
            contexts.push(...contextsOf(fs.readFileSync(f, "utf8")));
        } catch {
            missing.push(f);
        }
    }
    return missing.length === files.length ? { source, contexts, unreadable: `no readable file (${missing.join(", ")})` } : { source, contexts };
}

/** Why the context cannot be used with that kubeconfig, or undefined when it is there. */
export function kubeContextProblem(context: string, view: KubeconfigView): string | undefined {
    if (view.notFound) {
        return undefined; // reported on the kubeconfig key itself (kubeconfigProblem)
    }
    if (view.unreadable) {
        return `cannot be checked: the kubeconfig the provider will use, ${view.source}, cannot be read: ${view.unreadable}`;
    }
    if (view.contexts.includes(context)) {
        return undefined;
    }
    const have = view.contexts.length > 0 ? view.contexts.join(", ") : "none";
    return `is not a context of the kubeconfig the provider will use, ${view.source} (its contexts: ${have}); set kubeContext to one of them or kubeconfig to the file that has it`;
}

/** Why the `kubeconfig` setting itself cannot be used, or undefined. */
export function kubeconfigProblem(view: KubeconfigView): string | undefined {
    return view.notFound ? `file not found: ${view.notFound} (set kubeconfig to an existing kubeconfig file, or to its contents)` : undefined;
}

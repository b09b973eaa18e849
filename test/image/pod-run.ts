// `docker run` arguments from a rendered Kubernetes pod spec: the container's args, env (values and
// secretKeyRefs resolved against the rendered Secrets, as the kubelet would), volume mounts (PVC ->
// a host dir, Secret or projected Secrets -> their items written as files with the volume's mode,
// emptyDir -> tmpfs), user/group from the security contexts, read-only root, dropped capabilities.
// Nothing is taken from a key list of the test's own.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onCleanup } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type PodSpec = any;
export type Secrets = Record<string, Record<string, string>>;

export interface PodRun {
    /** docker run options (no image, no command). */
    options: string[];
    /** The container's args. */
    args: string[];
    /** Resolved environment (for assertions). */
    env: Record<string, string>;
    /** docker --restart for the pod's restartPolicy (detached runs only). */
    restart: string;
}

/** Host dirs for the pod's PersistentVolumeClaims, by claim name. */
export type Claims = Record<string, string>;

/** map[name], or the entry of the resource Pulumi auto-named `name` (name + "-" + 8 characters). */
function lookup<T>(map: Record<string, T>, name: string): T | undefined {
    return map[name] ?? map[name.replace(/-[0-9a-z]{8}$/, "")];
}

function secretDir(secret: Record<string, string>, items: { key: string; path: string }[] | undefined, mode: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-pod-secret-"));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    const entries = items ?? Object.keys(secret).map((key) => ({ key, path: key }));
    for (const { key, path: rel } of entries) {
        if (!(key in secret)) {
            throw new Error(`Secret volume item ${key} is not in the rendered Secret`);
        }
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, secret[key]);
        // The kubelet writes Secret files owned by root with the volume's mode and group fsGroup.
        fs.chownSync(file, 0, 10001);
        fs.chmodSync(file, mode);
    }
    fs.chmodSync(dir, 0o755);
    return dir;
}

export function podRun(spec: PodSpec, containerName: string, secrets: Secrets, claims: Claims): PodRun {
    const c = spec.containers.find((x: any) => x.name === containerName);
    if (!c) {
        throw new Error(`no container ${containerName} in the pod spec`);
    }
    const podSc = spec.securityContext ?? {};
    const sc = c.securityContext ?? {};
    const options: string[] = [];
    const uid = sc.runAsUser ?? podSc.runAsUser;
    const gid = sc.runAsGroup ?? podSc.runAsGroup;
    if (uid !== undefined) {
        options.push("--user", gid !== undefined ? `${uid}:${gid}` : String(uid));
    }
    if (podSc.fsGroup !== undefined) {
        options.push("--group-add", String(podSc.fsGroup));
    }
    if (sc.readOnlyRootFilesystem) {
        options.push("--read-only");
    }
    for (const cap of sc.capabilities?.drop ?? []) {
        options.push("--cap-drop", cap);
    }
    if (sc.allowPrivilegeEscalation === false) {
        options.push("--security-opt", "no-new-privileges");
    }
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
        if (e.value !== undefined) {
            env[e.name] = String(e.value);
            continue;
        }
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) {
            throw new Error(`env ${e.name}: only value and secretKeyRef are translated`);
        }
        const secret = lookup(secrets, ref.name);
        if (secret && ref.key in secret) {
            env[e.name] = secret[ref.key];
        } else if (!ref.optional) {
            throw new Error(`env ${e.name}: Secret ${ref.name} key ${ref.key} missing and not optional`);
        }
    }
    for (const [k, v] of Object.entries(env)) {
        options.push("-e", `${k}=${v}`);
    }
    const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
    for (const m of c.volumeMounts ?? []) {
        const v = volumes.get(m.name);
        if (!v) {
            throw new Error(`volumeMount ${m.name} has no volume`);
        }
        if (v.persistentVolumeClaim) {
            const host = lookup(claims, v.persistentVolumeClaim.claimName);
            if (!host) {
                throw new Error(`no host dir for claim ${v.persistentVolumeClaim.claimName}`);
            }
            options.push("-v", `${host}:${m.mountPath}${m.readOnly ? ":ro" : ""}`);
        } else if (v.secret) {
            const secret = lookup(secrets, v.secret.secretName);
            if (!secret) {
                throw new Error(`Secret ${v.secret.secretName} of volume ${m.name} was not rendered`);
            }
            const dir = secretDir(secret, v.secret.items, v.secret.defaultMode ?? 0o644);
            options.push("-v", `${dir}:${m.mountPath}:ro`);
        } else if (v.projected) {
            // The kubelet merges the sources' items into one directory.
            const files: Record<string, string> = {};
            for (const src of v.projected.sources ?? []) {
                if (!src.secret) {
                    throw new Error(`volume ${m.name}: only Secret sources of a projected volume are translated`);
                }
                const secret = lookup(secrets, src.secret.name);
                if (!secret) {
                    throw new Error(`Secret ${src.secret.name} of projected volume ${m.name} was not rendered`);
                }
                for (const { key, path: rel } of src.secret.items ?? Object.keys(secret).map((k) => ({ key: k, path: k }))) {
                    if (!(key in secret)) {
                        throw new Error(`projected volume ${m.name}: key ${key} is not in the rendered Secret ${src.secret.name}`);
                    }
                    files[rel] = secret[key];
                }
            }
            const dir = secretDir(files, undefined, v.projected.defaultMode ?? 0o644);
            options.push("-v", `${dir}:${m.mountPath}:ro`);
        } else if (v.emptyDir) {
            // The kubelet makes emptyDirs world-writable (0777).
            options.push("--tmpfs", `${m.mountPath}:mode=0777`);
        } else {
            throw new Error(`volume ${m.name}: kind not translated`);
        }
    }
    const restart = { Always: "always", OnFailure: "on-failure", Never: "no" }[(spec.restartPolicy ?? "Always") as string] ?? "no";
    return { options, args: c.args ?? [], env, restart };
}

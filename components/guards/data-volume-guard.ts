import { parseMemory } from "../config/quantity";

// The data volume is never lost to a config change. Kubernetes cannot change a claim's class,
// access mode, name or namespace in place, so Pulumi would replace it: delete the claim (and with a
// Delete reclaim policy the EDI data), then create an empty one, deleting the workloads that mount
// it first. This module compares the claim the previous deployment recorded (the stack's own
// `dataVolume` output, read through a StackReference to itself) with the one this run would make,
// and turns every such change into a refusal that names the key, unless the operator has set the
// one-shot token for exactly that change. It runs before any resource is registered, so a refused
// change changes nothing. The claim is also always protected (the engine refuses its replacement
// even when no spec was recorded yet) and retained on delete (a claim dropped from the program
// stays in the cluster).

/** What the stack records about its data claim after each deployment (the `dataVolume` output). */
export interface DataVolumeSpec {
    namespace: string;
    claimName: string;
    /** The claim is an existingClaim, not one the stack made. */
    existingClaim: boolean;
    /** The class the claim has (set by the cluster's default class when none was asked for). */
    storageClass: string;
    /** The class the program asked for; "" for the cluster default. */
    storageClassInput: string;
    accessMode: string;
    size: string;
}

/** What this run's config asks for. */
export interface PlannedVolume {
    namespace: string;
    claimName: string;
    existingClaim: boolean;
    /** storageClass as configured; "" for the cluster default. */
    storageClass: string;
    accessMode: string;
    size: string;
}

export interface VolumeChange {
    /** The config key the change comes from. */
    key: string;
    from: string;
    to: string;
}

export interface GuardResult {
    /** Refusals, one per change (and for a stale token); empty when the run may go ahead. */
    issues: { key: string; message: string }[];
    /** The claim may be replaced or dropped in this run (the token matches the pending change). */
    acknowledged: boolean;
    /** The storageClassName to ask for: unchanged when the claim already has the configured class. */
    storageClassInput: string;
}

export const ACK_KEY = "dataVolumeChangeAcknowledged";

/** The changes from the recorded claim to the planned one that would replace or drop it. */
export function volumeChanges(prev: DataVolumeSpec, next: PlannedVolume): VolumeChange[] {
    const changes: VolumeChange[] = [];
    const label = (existing: boolean, claim: string) => (existing ? `existing claim ${claim}` : `the stack's claim ${claim}`);
    if (prev.namespace !== next.namespace) {
        changes.push({ key: "namespace", from: prev.namespace, to: next.namespace });
    }
    if (prev.existingClaim !== next.existingClaim || prev.claimName !== next.claimName) {
        changes.push({ key: "existingClaim", from: label(prev.existingClaim, prev.claimName), to: label(next.existingClaim, next.claimName) });
    }
    if (!prev.existingClaim && !next.existingClaim) {
        if (next.storageClass !== "" && next.storageClass !== prev.storageClass && next.storageClass !== prev.storageClassInput) {
            changes.push({ key: "storageClass", from: prev.storageClass || "(cluster default)", to: next.storageClass });
        }
        if (next.accessMode !== prev.accessMode) {
            changes.push({ key: "storageAccessMode", from: prev.accessMode, to: next.accessMode });
        }
        if ((parseMemory(next.size) ?? 0) < (parseMemory(prev.size) ?? 0)) {
            changes.push({ key: "storageSize", from: prev.size, to: next.size });
        }
    }
    return changes;
}

/** The token that acknowledges exactly these changes. */
export function ackToken(changes: VolumeChange[]): string {
    return changes.map((c) => `${c.key}:${c.from}->${c.to}`).join(";");
}

/** Judges this run's claim against the recorded one and the operator's token. */
export function guardDataVolume(prev: DataVolumeSpec | undefined, next: PlannedVolume, ack: string | undefined): GuardResult {
    if (!prev) {
        // Nothing recorded (first deployment, or the first run of this program version): the claim's
        // protection is the guard; a token set now is taken as given.
        return { issues: [], acknowledged: ack !== undefined, storageClassInput: next.storageClass };
    }
    const changes = volumeChanges(prev, next);
    const storageClassInput = changes.some((c) => c.key === "storageClass") || prev.existingClaim ? next.storageClass : prev.storageClassInput;
    const token = ackToken(changes);
    if (changes.length === 0) {
        const issues = ack
            ? [{ key: ACK_KEY, message: `acknowledges a change that is not pending (the claim already matches the config); it is one-shot: run \`pulumi config rm ${ACK_KEY}\`` }]
            : [];
        return { issues, acknowledged: false, storageClassInput };
    }
    if (ack === token) {
        return { issues: [], acknowledged: true, storageClassInput };
    }
    const claim = `${prev.namespace}/${prev.claimName}`;
    const other = ack ? ` (${ACK_KEY} is set, but for another change: ${JSON.stringify(ack)})` : "";
    const issues = changes.map((c) => ({
        key: c.key,
        message:
            `would ${c.key === "existingClaim" ? "drop or swap" : "replace"} the data claim ${claim} (${c.from} -> ${c.to}): ` +
            "Kubernetes cannot change it in place, and Pulumi would delete the claim, and with it the EDI data, before anything else; nothing was changed. " +
            `Follow docs/configuration.md, "Changing the data volume", then acknowledge exactly this change once: pulumi config set ${ACK_KEY} '${token}'${other}`,
    }));
    return { issues, acknowledged: false, storageClassInput };
}

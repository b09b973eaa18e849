import * as path from "path";
import { BuildInputError, PluginChannel, pluginChannels } from "../image/plugin-checks";

// botsChannelCredentials: Bots channel ids mapped to their secrets, checked against the channels
// of the plugins the stack bakes in. Messages name channel ids and fields, never a value.

/** The fields a channel's entry may hold. */
export const CREDENTIAL_FIELDS = {
    password: "the channel's password (Bots' channel field secret; with privateKey, the key's passphrase)",
    privateKey: "a PEM private key for an sftp channel (Bots reads it from channel.keyfile: RSA only)",
} as const;
type Field = keyof typeof CREDENTIAL_FIELDS;

/** Bots' sftp channel loads keyfile with paramiko.RSAKey: these two encodings of an RSA key. */
const RSA_KEY = /^-----BEGIN (RSA|OPENSSH) PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END \1 PRIVATE KEY-----\s*$/;
/** A key becomes a file named after its channel: a Secret data key. */
const FILE_SAFE_ID = /^[-._a-zA-Z0-9]+$/;

export interface ChannelCredentials {
    /** channel id -> its fields, keys sorted (the normalised JSON the init Job reads). */
    entries: Record<string, Partial<Record<Field, string>>>;
    /** Channels with a private key: their key files are mounted where the engine runs. */
    keyChannels: string[];
}

/**
 * Parses the secret value of botsChannelCredentials and, when the stack builds its image, checks
 * each channel id against the plugin folders (relative to the project) it bakes in. A stack that
 * runs an existing image (prod, promoted by digest) cannot see its plugins: there the init Job
 * refuses a channel the database does not hold, naming it. Returns the problems (no values in
 * them) or the parsed entries.
 */
export function parseChannelCredentials(raw: string, pluginDirs: string[], buildsImage = true): { issues: string[]; value?: ChannelCredentials } {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return {
            issues: [
                "must be an object of channel ids, each {password?, privateKey?} (pulumi config set --secret --path 'botsChannelCredentials.<channel id>.password' VALUE)",
            ],
        };
    }
    if (buildsImage && pluginDirs.length === 0) {
        return { issues: ["needs botsPlugins: its channel ids are checked against the channels of the plugins the stack bakes into its image"] };
    }
    const known = new Map<string, PluginChannel>();
    try {
        for (const dir of pluginDirs) {
            for (const ch of pluginChannels(path.resolve(dir))) {
                known.set(ch.id, ch);
            }
        }
    } catch (e) {
        // botsPlugins reports the unreadable folder itself.
        return { issues: e instanceof BuildInputError ? [] : [String(e)] };
    }
    const listing = [...known.values()].map((c) => `${c.id} (${c.type}, ${c.plugin})`).join(", ") || "none";
    const issues: string[] = [];
    const entries: ChannelCredentials["entries"] = {};
    for (const id of Object.keys(parsed).sort()) {
        // An existing image's channels are not known here: the init Job checks the ids.
        const channel = buildsImage ? known.get(id) : { id, type: "sftp", plugin: "" };
        if (!channel) {
            issues.push(`channel "${id}" is in none of the plugins' channels (${listing})`);
            continue;
        }
        const value = (parsed as Record<string, unknown>)[id];
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            issues.push(`channel "${id}": must be an object with ${Object.keys(CREDENTIAL_FIELDS).join(" and/or ")}`);
            continue;
        }
        const fields: Partial<Record<Field, string>> = {};
        for (const [field, v] of Object.entries(value)) {
            if (!(field in CREDENTIAL_FIELDS)) {
                issues.push(`channel "${id}": unknown field "${field}"; allowed: ${Object.keys(CREDENTIAL_FIELDS).join(", ")}`);
            } else if (typeof v !== "string" || v === "") {
                issues.push(`channel "${id}": ${field} must be a non-empty string`);
            } else {
                fields[field as Field] = v;
            }
        }
        if (Object.keys(value).length === 0) {
            issues.push(`channel "${id}": must set ${Object.keys(CREDENTIAL_FIELDS).join(" and/or ")}`);
        }
        if (fields.privateKey !== undefined) {
            if (buildsImage && channel.type !== "sftp") {
                issues.push(`channel "${id}": privateKey is read by sftp channels only; this one is of type ${channel.type}`);
            } else if (!RSA_KEY.test(fields.privateKey)) {
                issues.push(`channel "${id}": privateKey must be a PEM RSA private key (BEGIN RSA PRIVATE KEY or BEGIN OPENSSH PRIVATE KEY): Bots' sftp channel reads RSA keys only`);
            } else if (!FILE_SAFE_ID.test(id)) {
                issues.push(`channel "${id}": a channel with privateKey needs an id of letters, digits, '-', '_' and '.' (its key file is named after it)`);
            }
        }
        entries[id] = fields;
    }
    if (issues.length > 0) {
        return { issues };
    }
    const keyChannels = Object.keys(entries).filter((id) => entries[id].privateKey !== undefined);
    return { issues: [], value: { entries, keyChannels } };
}

// The plan of a migration: from a snapshot of the fork's installation (installation.ts), the stack
// config that takes it over in place and what happens to each of the fork's objects. Pure: no
// cluster, so it is unit-tested on the fork's own manifests. Every value it derives is checked
// with the program's own schema, so a plan that passes does not fail at `pulumi preview`.
import { rawConfigSchema } from "../../components/config/config-schema";
import { Installation, Obj, STATE_CONFIGMAP, ownedByStack } from "./installation";

/** What happens to one object of the fork. */
export type Action = "adopted" | "replaced" | "removed" | "kept" | "left alone";

export interface PlannedObject {
    kind: string;
    name: string;
    action: Action;
    /** What takes its place (replaced) or what it is used for (adopted, kept). */
    by?: string;
    why: string;
}

/** A secret value the stack takes over: copied from this Secret key into a Pulumi secret. */
export interface CopiedSecret {
    configKey: "djangoSecretKey" | "superuserPassword";
    secret: string;
    key: string;
}

/** The fork's writers and what they were before the migration stopped them. */
export interface Writers {
    deployments: { name: string; replicas: number }[];
    cronJobs: { name: string; suspend: boolean }[];
}

export interface Plan {
    namespace: string;
    /** Stack config, plain values (lists as JSON), in the order they are printed. */
    config: Record<string, string>;
    secrets: CopiedSecret[];
    objects: PlannedObject[];
    writers: Writers;
    /** The engine CronJob (its Jobs are waited for before anything else changes). */
    engineCronJob?: string;
    /** Objects the stack's own would collide with: saved, then deleted right before `pulumi up`. */
    conflicts: { kind: string; name: string }[];
    /** What the operator should know: defaults of the fork that are not carried, quirks. */
    notes: string[];
}

export class PlanRefused extends Error {
    constructor(
        readonly namespace: string,
        readonly problems: string[],
    ) {
        super(
            `The installation in namespace ${namespace} cannot be migrated as it is; nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "PlanRefused";
    }
}

/** Where the fork's processes keep the Bots environment: BOTS_DATA_DIR in its entrypoint.sh. */
const DATA_MOUNT = "/home/bots/.bots";
/** Names the stack's objects take (components/kubernetes/*): a fork object with one of them must go first. */
const STACK_NAMES: Record<string, string[]> = {
    CronJob: ["bots-engine"],
    Deployment: ["bots-web", "bots-worker"],
    Service: ["bots-web"],
    Ingress: ["bots-web"],
    PodDisruptionBudget: ["bots-web"],
    ServiceAccount: ["bots"],
};

type Role = "webserver" | "jobqueue" | "engine" | "dirmonitor" | "init-db" | "superuser" | "git-sync";

/** What a fork container runs: entrypoint.sh's service argument, or what its script does. */
function roleOf(c: Obj): Role | undefined {
    const words: string[] = [...(c.command ?? []), ...(c.args ?? [])];
    const first = (c.command ?? []).some((w: string) => w.endsWith("entrypoint.sh")) ? (c.args ?? [])[0] : words.find((w) => !w.startsWith("-"));
    const byArg: Record<string, Role> = {
        webserver: "webserver",
        jobqueueserver: "jobqueue",
        jobqueue: "jobqueue",
        engine: "engine",
        dirmonitor: "dirmonitor",
        "init-db": "init-db",
        initdb: "init-db",
        "bots-webserver": "webserver",
        "bots-jobqueueserver": "jobqueue",
        "bots-engine": "engine",
        "bots-dirmonitor": "dirmonitor",
    };
    if (first && byArg[first]) {
        return byArg[first];
    }
    if (String(c.image ?? "").includes("git-sync")) {
        return "git-sync";
    }
    if (words.join(" ").includes("create_superuser")) {
        return "superuser";
    }
    return undefined;
}

const podSpecOf = (o: Obj): Obj => (o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec) ?? {};
const rolesOf = (o: Obj): Role[] => (podSpecOf(o).containers ?? []).map(roleOf).filter((r: Role | undefined): r is Role => r !== undefined);
const claimsOf = (o: Obj): string[] =>
    (podSpecOf(o).volumes ?? []).filter((v: Obj) => v.persistentVolumeClaim).map((v: Obj) => v.persistentVolumeClaim.claimName as string);

/** The claim a workload mounts at the Bots data directory. */
function dataClaimOf(o: Obj): string | undefined {
    const spec = podSpecOf(o);
    for (const c of spec.containers ?? []) {
        const mount = (c.volumeMounts ?? []).find((m: Obj) => m.mountPath === DATA_MOUNT);
        const volume = mount && (spec.volumes ?? []).find((v: Obj) => v.name === mount.name);
        if (volume?.persistentVolumeClaim) {
            return volume.persistentVolumeClaim.claimName;
        }
    }
    return undefined;
}

const decode = (s: Obj, key: string): string | undefined => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key], "base64").toString("utf8"));

/** Where an environment variable of a container comes from. */
type Source = { value: string } | { secret: string; key: string; optional: boolean } | { configMap: string; key: string };

function envSources(c: Obj, inst: Installation): Map<string, Source> {
    const out = new Map<string, Source>();
    for (const from of c.envFrom ?? []) {
        if (from.configMapRef) {
            const cm = inst.configMaps.find((m) => m.metadata.name === from.configMapRef.name);
            for (const key of Object.keys(cm?.data ?? {})) {
                out.set(`${from.prefix ?? ""}${key}`, { configMap: from.configMapRef.name, key });
            }
        }
        if (from.secretRef) {
            const s = inst.secrets.find((m) => m.metadata.name === from.secretRef.name);
            for (const key of Object.keys(s?.data ?? {})) {
                out.set(`${from.prefix ?? ""}${key}`, { secret: from.secretRef.name, key, optional: false });
            }
        }
    }
    for (const e of c.env ?? []) {
        if (e.value !== undefined) {
            out.set(e.name, { value: e.value });
        } else if (e.valueFrom?.secretKeyRef) {
            const ref = e.valueFrom.secretKeyRef;
            out.set(e.name, { secret: ref.name, key: ref.key, optional: ref.optional === true });
        } else if (e.valueFrom?.configMapKeyRef) {
            out.set(e.name, { configMap: e.valueFrom.configMapKeyRef.name, key: e.valueFrom.configMapKeyRef.key });
        }
    }
    return out;
}

/** A plain (non-secret) value of a source, or undefined where the object or key is absent. */
function plainValue(src: Source | undefined, inst: Installation): string | undefined {
    if (!src) {
        return undefined;
    }
    if ("value" in src) {
        return src.value;
    }
    if ("configMap" in src) {
        return inst.configMaps.find((m) => m.metadata.name === src.configMap)?.data?.[src.key];
    }
    return decode(
        inst.secrets.find((s) => s.metadata.name === src.secret),
        src.key,
    );
}

/** A config file the web container runs with, mounted from a ConfigMap at /config/<file> (settings.py, bots.ini). */
function configFile(web: Obj, inst: Installation, file: string): { configMap?: string; text?: string } {
    const spec = podSpecOf(web);
    const c = (spec.containers ?? []).find((x: Obj) => roleOf(x) === "webserver");
    const mount = (c?.volumeMounts ?? []).find((m: Obj) => String(m.mountPath).endsWith(`/${file}`) || (m.mountPath === "/config" && !m.subPath));
    const volume = mount && (spec.volumes ?? []).find((v: Obj) => v.name === mount.name);
    const name = volume?.configMap?.name;
    const cm = name && inst.configMaps.find((m) => m.metadata.name === name);
    return { configMap: name, text: cm ? cm.data?.[file] : undefined };
}

/** Whether a bots.ini runs every engine run as Bots' acceptance test. */
function acceptanceTestOn(ini: string): boolean {
    const section = /^\[acceptance\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(ini)?.[1] ?? "";
    return /^\s*runacceptancetest\s*=\s*(true|yes|on|1)\s*$/im.test(section);
}

/** Lines of settings.py that Python executes (comments dropped). */
const liveLines = (text: string) => text.split("\n").filter((l) => !/^\s*#/.test(l));

const ENGINES: Record<string, string> = {
    "django.db.backends.mysql": "mysql",
    "django.db.backends.postgresql": "postgresql",
    "django.db.backends.postgresql_psycopg2": "postgresql",
    "django.db.backends.sqlite3": "sqlite",
};

/** TIME_ZONE of the fork's settings.py: `os.environ.get('TZ', '<default>')` or a literal. */
function timeZoneOf(text: string, env: Map<string, Source>, inst: Installation): { zone?: string; from: string } {
    for (const line of liveLines(text)) {
        const viaEnv = /^TIME_ZONE\s*=\s*os\.environ\.get\(\s*['"](\w+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/.exec(line.trim());
        if (viaEnv) {
            const fromEnv = plainValue(env.get(viaEnv[1]), inst);
            return fromEnv ? { zone: fromEnv, from: `environment ${viaEnv[1]}` } : { zone: viaEnv[2], from: `settings.py's default (${viaEnv[1]} unset)` };
        }
        const literal = /^TIME_ZONE\s*=\s*['"]([^'"]+)['"]/.exec(line.trim());
        if (literal) {
            return { zone: literal[1], from: "settings.py" };
        }
    }
    return { from: "not set in settings.py" };
}

/** Original replicas and suspend flags: recorded ones win (after a stop, the live ones are 0 and true). */
export interface Recorded {
    writers?: Writers;
}

const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;

/** Plans the migration of the installation, or throws PlanRefused naming every object it cannot map. */
export function planMigration(all: Installation, recorded: Recorded = {}): Plan {
    // The stack's own objects (a resumed or finished migration) are not the fork's.
    const inst: Installation = {
        ...all,
        ...Object.fromEntries(
            (["deployments", "cronJobs", "jobs", "services", "ingresses", "configMaps", "secrets", "claims"] as const).map((kind) => [
                kind,
                all[kind].filter((o) => !ownedByStack(o)),
            ]),
        ),
    };
    const problems: string[] = [];
    const notes: string[] = [];
    const objects: PlannedObject[] = [];
    const config: Record<string, string> = {};
    const ns = inst.namespace;

    if (!inst.namespaceObject) {
        throw new PlanRefused(ns, [`Namespace/${ns} does not exist`]);
    }
    const fork = (list: Obj[]) => list.filter((o) => !ownedByStack(o) && !(o.metadata.ownerReferences ?? []).length);
    const deployments = fork(inst.deployments);
    const cronJobs = fork(inst.cronJobs);

    // The workloads, by what their containers run.
    const webs = deployments.filter((d) => rolesOf(d).includes("webserver"));
    if (webs.length === 0) {
        throw new PlanRefused(ns, [
            `no Deployment in namespace ${ns} runs the fork's web server (entrypoint.sh webserver): nothing here looks like the fork's installation`,
        ]);
    }
    if (webs.length > 1) {
        problems.push(`Deployments ${webs.map((d) => d.metadata.name).join(" and ")} both run the web server: the program runs one web Deployment; remove one first`);
    }
    const web = webs[0];
    const engines = cronJobs.filter((c) => rolesOf(c).includes("engine"));
    if (engines.length > 1) {
        problems.push(
            `CronJobs ${engines.map((c) => c.metadata.name).join(" and ")} both run the engine: the program runs one engine CronJob and cannot tell which schedule is meant; delete or merge one first`,
        );
    }
    const engine = engines[0];

    // The data claim: what the web server mounts at the Bots data directory; every workload must agree.
    const claimName = dataClaimOf(web);
    if (!claimName) {
        throw new PlanRefused(ns, [`Deployment/${web.metadata.name} mounts no PersistentVolumeClaim at ${DATA_MOUNT}: there is no Bots data volume to adopt`]);
    }
    for (const w of [...deployments, ...cronJobs]) {
        const other = dataClaimOf(w);
        if (other && other !== claimName) {
            problems.push(`${key(w)} mounts claim ${other} at ${DATA_MOUNT}, the web server ${claimName}: the program shares one claim; make them the same first`);
        }
    }
    const claim = inst.claims.find((c) => c.metadata.name === claimName);
    if (!claim) {
        problems.push(`PersistentVolumeClaim/${claimName}, mounted by ${key(web)}, does not exist`);
    } else {
        const modes: string[] = claim.spec?.accessModes ?? [];
        if (!modes.includes("ReadWriteMany")) {
            problems.push(
                `PersistentVolumeClaim/${claimName} has access modes ${modes.join(", ") || "(none)"}, not ReadWriteMany: the program's web, worker and engine pods share it and may run on different nodes; move the data to a ReadWriteMany claim first (docs/migration.md)`,
            );
        }
        if (claim.status?.phase !== "Bound") {
            problems.push(`PersistentVolumeClaim/${claimName} is ${claim.status?.phase ?? "not bound"}, not Bound`);
        }
    }

    // Environment of the web container: BOTSENV, database, Django.
    const webContainer = (podSpecOf(web).containers ?? []).find((c: Obj) => roleOf(c) === "webserver");
    const env = envSources(webContainer, inst);
    const botsEnv = plainValue(env.get("BOTSENV"), inst) ?? "default";
    if (!env.get("BOTSENV")) {
        notes.push(`BOTSENV is not set in ${key(web)}: the fork's entrypoint.sh then uses "default"`);
    }
    for (const w of [...deployments, ...cronJobs]) {
        const c = (podSpecOf(w).containers ?? []).find((x: Obj) => roleOf(x) && roleOf(x) !== "git-sync");
        if (c && dataClaimOf(w)) {
            const theirs = plainValue(envSources(c, inst).get("BOTSENV"), inst) ?? "default";
            if (theirs !== botsEnv) {
                problems.push(`${key(w)} runs BOTSENV=${theirs}, the web server BOTSENV=${botsEnv}: one installation has one Bots environment; make them the same first`);
            }
        }
    }

    const settings = configFile(web, inst, "settings.py");
    if (!settings.text) {
        problems.push(
            settings.configMap
                ? `ConfigMap/${settings.configMap} (settings.py of ${key(web)}) does not exist or has no key settings.py`
                : `${key(web)} mounts no settings.py from a ConfigMap: the database engine cannot be read`,
        );
    }
    const engineLine = settings.text ? liveLines(settings.text).find((l) => /['"]ENGINE['"]\s*:/.test(l)) : undefined;
    const engineName = engineLine ? /['"]ENGINE['"]\s*:\s*['"]([^'"]+)['"]/.exec(engineLine)?.[1] : undefined;
    const dbEngine = engineName ? ENGINES[engineName] : undefined;
    if (settings.text && !dbEngine) {
        problems.push(`ConfigMap/${settings.configMap} settings.py: database ENGINE ${engineName ?? "(none found)"} is not one the program runs (mysql, postgresql)`);
    } else if (dbEngine === "sqlite") {
        problems.push(
            `ConfigMap/${settings.configMap} settings.py uses SQLite: the program keeps its SQLite file as botssys/sqlitedb/botsdb-<botsEnv>, the fork as botssys/sqlitedb/botsdb; this tool moves MySQL and PostgreSQL installations only`,
        );
    }

    // The database settings: where the web container's environment gets them.
    const db: Record<string, string | undefined> = {};
    for (const name of ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"]) {
        db[name] = plainValue(env.get(name), inst);
    }
    for (const name of ["DB_HOST", "DB_NAME", "DB_USER"]) {
        if (!db[name]) {
            const src = env.get(name);
            problems.push(
                src && "secret" in src
                    ? `Secret/${src.secret} has no key ${src.key} (${name} of ${key(web)})`
                    : `${key(web)} gets no ${name} from its environment (the fork's bots-edidb-secret holds it): the program needs the database's ${name.slice(3).toLowerCase()}`,
            );
        }
    }
    const password = env.get("DB_PASSWORD");
    const secretExists = (name: string) => inst.secrets.some((s) => s.metadata.name === name);
    if (!password || !("secret" in password)) {
        problems.push(`${key(web)} gets DB_PASSWORD ${password ? "as a plain value" : "from nowhere"}: the program reads it from a Secret (databaseExistingSecret)`);
    } else if (!secretExists(password.secret)) {
        problems.push(`Secret/${password.secret} (DB_PASSWORD of ${key(web)}) does not exist`);
    } else if (decode(inst.secrets.find((s) => s.metadata.name === password.secret), password.key) === undefined) {
        problems.push(`Secret/${password.secret} has no key ${password.key} (DB_PASSWORD of ${key(web)})`);
    }

    // The Django secret key and the superuser: carried over, so sessions and logins keep working.
    const secrets: CopiedSecret[] = [];
    const djangoKey = env.get("DJANGO_SECRET_KEY");
    if (!djangoKey || !("secret" in djangoKey)) {
        problems.push(
            `${key(web)} gets DJANGO_SECRET_KEY ${djangoKey ? "as a plain value" : "from no Secret"}: without the key the installation signs with, its sessions and password-reset links break; put it in a Secret first`,
        );
    } else if (decode(inst.secrets.find((s) => s.metadata.name === djangoKey.secret), djangoKey.key) === undefined) {
        problems.push(`Secret/${djangoKey.secret} has no key ${djangoKey.key} (DJANGO_SECRET_KEY of ${key(web)})`);
    } else {
        secrets.push({ configKey: "djangoSecretKey", secret: djangoKey.secret, key: djangoKey.key });
    }
    const superuserSecrets = inst.secrets.filter((s) => s.data?.SUPERUSER_USERNAME !== undefined);
    const superuser = superuserSecrets[0];
    if (!superuser) {
        problems.push(`no Secret in namespace ${ns} holds SUPERUSER_USERNAME (the fork's bots-superuser-secret): the superuser the database holds cannot be named`);
    } else {
        if (superuserSecrets.length > 1) {
            problems.push(`Secrets ${superuserSecrets.map((s) => s.metadata.name).join(" and ")} both hold SUPERUSER_USERNAME: keep one`);
        }
        if (decode(superuser, "SUPERUSER_PASSWORD") === undefined) {
            problems.push(`Secret/${superuser.metadata.name} has no key SUPERUSER_PASSWORD`);
        } else {
            secrets.push({ configKey: "superuserPassword", secret: superuser.metadata.name, key: "SUPERUSER_PASSWORD" });
        }
    }

    // The original state of the writers (the recorded one when resuming).
    const writersNow: Writers = {
        deployments: deployments.filter((d) => claimsOf(d).includes(claimName)).map((d) => ({ name: d.metadata.name, replicas: d.spec?.replicas ?? 1 })),
        cronJobs: cronJobs.filter((c) => claimsOf(c).includes(claimName)).map((c) => ({ name: c.metadata.name, suspend: c.spec?.suspend === true })),
    };
    const writers = recorded.writers ?? writersNow;
    const replicasOf = (name: string) => writers.deployments.find((d) => d.name === name)?.replicas ?? 1;
    const suspendOf = (name: string) => writers.cronJobs.find((c) => c.name === name)?.suspend ?? false;

    // Stack config, in the order docs/configuration.md lists the keys.
    config.namespace = ns;
    config.adoptNamespace = "true";
    config.existingClaim = claimName;
    config.botsEnv = botsEnv;
    if (dbEngine) {
        config.databaseEngine = dbEngine;
    }
    for (const [configKey, envName] of Object.entries({ databaseHost: "DB_HOST", databasePort: "DB_PORT", databaseName: "DB_NAME", databaseUser: "DB_USER" })) {
        if (db[envName]) {
            config[configKey] = db[envName]!;
        }
    }
    if (password && "secret" in password) {
        config.databaseExistingSecret = password.secret;
        config.databaseExistingSecretKey = password.key;
    }
    const tz = settings.text ? timeZoneOf(settings.text, env, inst) : { from: "" };
    if (tz.zone) {
        config.timeZone = tz.zone;
        notes.push(`timeZone ${tz.zone}: from the fork's ${tz.from}`);
    }
    const allowed = plainValue(env.get("ALLOWED_HOSTS"), inst);
    if (allowed) {
        config.allowedHosts = JSON.stringify(allowed.split(",").map((h) => h.trim()).filter(Boolean));
    }
    const origins = plainValue(env.get("CSRF_TRUSTED_ORIGINS"), inst);
    if (origins) {
        config.csrfTrustedOrigins = JSON.stringify(origins.split(",").map((h) => h.trim()).filter(Boolean));
    }
    const debug = plainValue(env.get("DEBUG"), inst);
    config.debug = debug?.toLowerCase() === "true" ? "true" : "false";
    if (superuser) {
        config.superuserName = decode(superuser, "SUPERUSER_USERNAME")!;
        const email = decode(superuser, "SUPERUSER_EMAIL");
        if (email) {
            config.superuserEmail = email;
        }
    }
    config.webReplicas = String(replicasOf(web.metadata.name));
    const jobqueue = deployments.find((d) => rolesOf(d).includes("jobqueue"));
    config.workerEnabled = jobqueue ? "true" : "false";
    if (engine) {
        const c = (podSpecOf(engine).containers ?? []).find((x: Obj) => roleOf(x) === "engine");
        const args: string[] = (c.command ?? []).some((w: string) => w.endsWith("entrypoint.sh")) ? (c.args ?? []).slice(1) : (c.args ?? []);
        config.engineSchedule = engine.spec.schedule;
        config.engineTimeZone = engine.spec.timeZone ?? "Etc/UTC";
        config.engineArgs = JSON.stringify(args);
        config.engineSuspend = String(suspendOf(engine.metadata.name));
    } else {
        notes.push("no CronJob runs the engine: the stack's engine CronJob gets the default schedule (engineSchedule)");
    }

    // The web Ingress: the one whose backend is the web Service's HTTP port.
    const webPodLabels: Record<string, string> = web.spec?.template?.metadata?.labels ?? {};
    const webServices = inst.services.filter(
        (s) => !ownedByStack(s) && s.spec?.selector && Object.entries(s.spec.selector).every(([k, v]) => webPodLabels[k] === v),
    );
    const backendOf = (i: Obj) => (i.spec?.rules ?? []).flatMap((r: Obj) => (r.http?.paths ?? []).map((p: Obj) => p.backend?.service)).filter(Boolean);
    const isWebPort = (svc: Obj, port: Obj) => {
        const p = (svc.spec?.ports ?? []).find((x: Obj) => x.name === port?.name || x.port === port?.number);
        return p && (p.targetPort === 8080 || p.targetPort === "http" || p.port === 8080);
    };
    const ingresses = inst.ingresses.filter((i) => !ownedByStack(i));
    const webIngresses = ingresses.filter((i) =>
        backendOf(i).some((b: Obj) => webServices.some((s) => s.metadata.name === b.name && isWebPort(s, b.port))),
    );
    if (webIngresses.length > 1) {
        problems.push(`Ingresses ${webIngresses.map((i) => i.metadata.name).join(" and ")} both serve the web UI: the program has one Ingress with one host; keep one`);
    }
    const webIngress = webIngresses[0];
    if (webIngress) {
        const hosts: string[] = [...new Set<string>((webIngress.spec.rules ?? []).map((r: Obj) => r.host).filter(Boolean))];
        if (hosts.length !== 1) {
            problems.push(`Ingress/${webIngress.metadata.name} serves ${hosts.length} hosts (${hosts.join(", ")}): the program's Ingress serves one`);
        } else {
            config.ingressHost = hosts[0];
            if (webIngress.spec.ingressClassName) {
                config.ingressClassName = webIngress.spec.ingressClassName;
            }
            const tls = (webIngress.spec.tls ?? []).find((t: Obj) => (t.hosts ?? []).includes(hosts[0]));
            if (tls?.secretName) {
                config.ingressTlsSecret = tls.secretName;
            }
        }
    }

    // Check every derived value by the program's own rules (the schema of stack config).
    const picked = Object.fromEntries(Object.keys(config).map((k) => [k, true])) as Record<string, true>;
    const parsed = rawConfigSchema.pick(picked as never).safeParse(config);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const k = String(issue.path[0]);
            problems.push(`the fork's ${k} value ${JSON.stringify(config[k])} is refused by the program: ${issue.message}`);
        }
    }
    if (problems.length > 0) {
        throw new PlanRefused(ns, problems);
    }

    // What happens to each object of the fork.
    const add = (kind: string, name: string, action: Action, why: string, by?: string) => objects.push({ kind, name, action, why, by });
    add("Namespace", ns, "adopted", "the stack labels it for Pod Security (restricted) with a patch and never deletes it", "adoptNamespace");
    add("PersistentVolumeClaim", claimName, "adopted", "the Bots data volume: every pod of the stack mounts it; never deleted or recreated", "existingClaim");
    const mounted = new Set([...inst.deployments, ...inst.cronJobs, ...inst.jobs, ...inst.pods].flatMap(claimsOf));
    for (const c of inst.claims.filter((x) => x.metadata.name !== claimName)) {
        add("PersistentVolumeClaim", c.metadata.name, "left alone", mounted.has(c.metadata.name) ? "mounted by something that is not Bots" : "no pod mounts it; never deleted (delete it yourself once you know it is empty)");
    }
    const conflicts: { kind: string; name: string }[] = [];
    const collides = (kind: string, name: string) => (STACK_NAMES[kind] ?? []).includes(name);
    for (const d of deployments) {
        const roles = rolesOf(d);
        const name = d.metadata.name;
        if (roles.includes("webserver")) {
            add("Deployment", name, "replaced", "scaled to 0 before the stack starts; deleted by `finish`", "Deployment bots-web");
        } else if (roles.includes("jobqueue") || roles.includes("dirmonitor")) {
            add("Deployment", name, "replaced", "scaled to 0 before the stack starts; deleted by `finish`", "Deployment bots-worker (job queue + directory monitor)");
        } else if (roles.includes("git-sync")) {
            add("Deployment", name, "removed", "git-sync of mappings into usersys: scaled to 0, deleted by `finish`; usersys ships as plugins instead (docs/plugins.md)");
        } else if (claimsOf(d).includes(claimName)) {
            add("Deployment", name, "removed", "writes to the data volume: scaled to 0, deleted by `finish`");
        } else {
            add("Deployment", name, "left alone", "does not mount the data volume");
        }
        if (collides("Deployment", name)) {
            conflicts.push({ kind: "Deployment", name });
        }
    }
    for (const c of cronJobs) {
        const name = c.metadata.name;
        if (c === engine) {
            add("CronJob", name, "replaced", "suspended; its running Job is waited for; deleted right before `pulumi up` when its name is the stack's", "CronJob bots-engine");
        } else if (claimsOf(c).includes(claimName)) {
            add("CronJob", name, "kept", "writes to the data volume: suspended, not deleted; the program has no file exchange yet, resume it by hand if you keep it (docs/migration.md)");
        } else {
            add("CronJob", name, "left alone", "does not mount the data volume");
        }
        if (collides("CronJob", name)) {
            conflicts.push({ kind: "CronJob", name });
        }
    }
    for (const j of fork(inst.jobs)) {
        const roles = rolesOf(j);
        const what = roles.includes("init-db") ? "database init" : roles.includes("superuser") ? "superuser creation" : "a one-off run";
        add("Job", j.metadata.name, "replaced", `${what}; deleted by \`finish\``, "the stack's db-init Job (migrate, tables, superuser when missing, plugins)");
    }
    for (const s of inst.services.filter((x) => !ownedByStack(x))) {
        if (webServices.includes(s)) {
            add("Service", s.metadata.name, "replaced", "deleted by `finish`", "Service bots-web");
        } else {
            add("Service", s.metadata.name, "left alone", "does not select the web server");
        }
        if (collides("Service", s.metadata.name)) {
            conflicts.push({ kind: "Service", name: s.metadata.name });
        }
    }
    for (const i of ingresses) {
        const name = i.metadata.name;
        if (i === webIngress) {
            add("Ingress", name, "replaced", "deleted right before `pulumi up` (two Ingresses for one host would split its traffic)", "Ingress bots-web");
            conflicts.push({ kind: "Ingress", name });
        } else if (backendOf(i).some((b: Obj) => webServices.some((s) => s.metadata.name === b.name))) {
            add("Ingress", name, "removed", "serves another port of the web pod (the fork's filebrowser); deleted by `finish`, nothing replaces it yet (docs/migration.md)");
        } else {
            add("Ingress", name, "left alone", "does not serve the web server");
        }
    }
    const usedByWorkload = (kind: "configMap" | "secret", owners: Obj[]) =>
        new Set(
            owners.flatMap((o) => {
                const spec = podSpecOf(o);
                const names: string[] = [];
                for (const c of spec.containers ?? []) {
                    for (const f of c.envFrom ?? []) {
                        const ref = kind === "configMap" ? f.configMapRef : f.secretRef;
                        if (ref) names.push(ref.name);
                    }
                    for (const e of c.env ?? []) {
                        const ref = kind === "configMap" ? e.valueFrom?.configMapKeyRef : e.valueFrom?.secretKeyRef;
                        if (ref) names.push(ref.name);
                    }
                }
                for (const v of spec.volumes ?? []) {
                    const ref = kind === "configMap" ? v.configMap : v.secret;
                    if (ref) names.push(kind === "configMap" ? ref.name : ref.secretName);
                }
                return names;
            }),
        );
    const keptCronJobs = cronJobs.filter((c) => c !== engine);
    const botsOwners = [...deployments.filter((d) => rolesOf(d).length > 0 && !rolesOf(d).includes("git-sync")), ...(engine ? [engine] : []), ...fork(inst.jobs)];
    const keptConfigMaps = usedByWorkload("configMap", keptCronJobs);
    const botsConfigMaps = usedByWorkload("configMap", botsOwners);
    for (const m of inst.configMaps.filter((x) => !ownedByStack(x) && x.metadata.name !== STATE_CONFIGMAP)) {
        const name = m.metadata.name;
        if (keptConfigMaps.has(name)) {
            add("ConfigMap", name, "kept", "read by a kept CronJob");
        } else if (botsConfigMaps.has(name)) {
            add("ConfigMap", name, "replaced", "deleted by `finish`", "the stack's config Secret (bots.ini, settings.py and environment rendered from stack config)");
        } else {
            add("ConfigMap", name, "left alone", "no Bots workload reads it");
        }
    }
    for (const s of inst.secrets.filter((x) => !ownedByStack(x))) {
        const name = s.metadata.name;
        const copied = secrets.filter((c) => c.secret === name).map((c) => `${c.key} -> ${c.configKey}`);
        if (password && "secret" in password && password.secret === name) {
            add("Secret", name, "adopted", `the stack reads ${password.key} from it (databaseExistingSecret)${copied.length ? `; ${copied.join(", ")} copied into stack config as a secret` : ""}`);
        } else if (copied.length) {
            add("Secret", name, "kept", `${copied.join(", ")} copied into stack config as ${copied.length === 1 ? "a secret" : "secrets"}; no longer read`);
        } else {
            add("Secret", name, "kept", "not read by the stack; never deleted by this tool");
        }
    }
    for (const c of inst.certificates) {
        const inUse = config.ingressTlsSecret && c.spec?.secretName === config.ingressTlsSecret;
        add("Certificate", c.metadata.name, "kept", inUse ? `cert-manager keeps renewing Secret ${c.spec.secretName}, which the stack's Ingress uses (ingressTlsSecret)` : "not used by the stack");
    }
    if (webIngress && config.ingressTlsSecret) {
        notes.push(`ingressClusterIssuer is left unset: Certificate objects of the fork keep issuing ${config.ingressTlsSecret}`);
    }
    if (jobqueue && !deployments.some((d) => rolesOf(d).includes("dirmonitor"))) {
        notes.push(
            `${key(jobqueue)} runs the job queue only; the stack's worker also runs Bots' directory monitor on botssys/infile: a file landing there (and, at its start, the files already there) queues an engine run. Set workerEnabled false to keep the fork's behaviour (the engine CronJob alone)`,
        );
    }
    const ini = configFile(web, inst, "bots.ini");
    if (ini.text && acceptanceTestOn(ini.text)) {
        notes.push(
            `ConfigMap/${ini.configMap} bots.ini has [acceptance] runacceptancetest = True: the fork runs every engine run as Bots' acceptance test; the program runs Bots for real, so outgoing channels send after the migration`,
        );
    }
    notes.push("the superuser keeps the password the database holds (the fork's bots-superuser-secret value, unless changed in the web UI since); the stack's init Job never changes an existing user");
    if (!(password && "secret" in password && db.DB_PORT)) {
        notes.push("databasePort: the engine's default (3306 for mysql)");
    }

    return { namespace: ns, config, secrets, objects, writers, engineCronJob: engine?.metadata.name, conflicts, notes };
}

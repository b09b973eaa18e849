import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { POD_SPEC_PATHS, PVC_TYPE, STACK_TYPE } from "../../policy/lib/resources";
import { policies } from "../../policy/policies";
import { REPO, StackInput, StackRun, runStack } from "../support/harness";
import { GENERATED, PROJECT, Recorded } from "../support/mocks";
import { typeCheck } from "../support/typecheck";
import { revealAll } from "../support/values";

// The CrossGuard pack, unit-tested without the CLI: the program runs under mocks (runStack), every
// resource it registers becomes the ResourceValidationArgs / StackValidationArgs the CLI would hand
// the pack, and each policy's validate function runs on them. The committed stacks must pass; a
// copy broken in one way must fail with the matching policy and message.

/* eslint-disable @typescript-eslint/no-explicit-any -- mutating untyped Kubernetes objects */

const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);
const byName = (name: string) => {
    const p = policies.find((x) => x.name === name);
    assert.ok(p, `no policy ${name}`);
    return p;
};

interface Subject {
    type: string;
    name: string;
    props: Record<string, any>;
    protect: boolean;
}

function optsOf(protect: boolean): PolicyResourceOptions {
    return {
        protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
}

const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;

function resourceArgs(stack: string, s: Subject, config: object = {}): ResourceValidationArgs {
    return {
        type: s.type,
        name: s.name,
        urn: urn(stack, s.type, s.name),
        props: s.props,
        opts: optsOf(s.protect),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable: ${reason}`);
        },
    };
}

/** Runs one resource policy on one subject; returns the violation messages. */
async function violations(policy: ResourceValidationPolicy, stack: string, s: Subject, config: object = {}): Promise<string[]> {
    const found: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const v of validations) {
        await v(resourceArgs(stack, s, config), (m) => found.push(m));
    }
    return found;
}

/** Every resource policy on one subject: "policy-name: message" lines. */
async function allViolations(stack: string, s: Subject, config: Record<string, object> = {}): Promise<string[]> {
    const out: string[] = [];
    for (const p of resourcePolicies) {
        for (const m of await violations(p, stack, s, config[p.name] ?? {})) {
            out.push(`${p.name}: ${m}`);
        }
    }
    return out;
}

interface Recording {
    stack: string;
    run: StackRun;
    subjects: Subject[];
}

async function record(input: StackInput): Promise<Recording> {
    const run = await runStack(input);
    const subjects = run.resources
        .filter((r: Recorded) => !r.type.startsWith("pulumi:providers:"))
        .map((r: Recorded) => {
            const props = revealAll(structuredClone(r.inputs));
            if (r.type === "random:index/randomPassword:RandomPassword") {
                props.result = `${GENERATED}-${r.name}`; // what the mock's newResource returns as its state
            }
            return { type: r.type, name: r.name, props, protect: run.options.get(`${r.type}::${r.name}`)?.protect === true };
        });
    return { stack: input.stack, run, subjects };
}

function stackArgs(rec: Recording, outputs: Record<string, unknown> = rec.run.outputs, extra: Subject[] = []): StackValidationArgs {
    const root: PolicyResource = {
        type: STACK_TYPE,
        name: `${PROJECT}-${rec.stack}`,
        urn: urn(rec.stack, STACK_TYPE, `${PROJECT}-${rec.stack}`),
        props: structuredClone(outputs) as Record<string, any>,
        opts: optsOf(false),
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
    const resources: PolicyResource[] = [...rec.subjects, ...extra].map((s) => ({
        type: s.type,
        name: s.name,
        urn: urn(rec.stack, s.type, s.name),
        props: s.props,
        opts: optsOf(s.protect),
        parent: root,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    return {
        resources: [root, ...resources],
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable: ${reason}`);
        },
    };
}

async function stackViolations(policy: StackValidationPolicy, args: StackValidationArgs): Promise<string[]> {
    const found: string[] = [];
    await policy.validateStack(args, (m) => found.push(m));
    return found;
}

/** A deep copy of the subject of `type` (and metadata.name), ready to break. */
function copyOf(rec: Recording, type: string, metadataName?: string): Subject {
    const found = rec.subjects.filter((s) => s.type === type && (metadataName === undefined || s.props.metadata?.name === metadataName));
    assert.strictEqual(found.length, 1, `expected one ${type} ${metadataName ?? ""}`);
    return structuredClone(found[0]);
}

function podSpec(s: Subject): any {
    let spec: any = s.props;
    for (const k of POD_SPEC_PATHS[s.type]) {
        spec = spec[k];
    }
    return spec;
}

const container = (s: Subject, name: string) => {
    const c = podSpec(s).containers.find((x: any) => x.name === name);
    assert.ok(c, `no container ${name}`);
    return c;
};

/** Asserts that exactly the named policy fires (at least once) and every message matches. */
async function expectOnly(stack: string, s: Subject, policy: string, pattern: RegExp, config: Record<string, object> = {}) {
    const found = await allViolations(stack, s, config);
    assert.ok(found.length > 0, `expected a ${policy} violation, got none`);
    for (const v of found) {
        assert.ok(v.startsWith(`${policy}: `), `unexpected violation: ${v}`);
        assert.match(v, pattern);
    }
}

describe("policy pack (CrossGuard) on the program's resources", function () {
    this.timeout(60000);
    let dev: Recording;
    let prod: Recording;

    before(async () => {
        dev = await record({ stack: "dev" });
        prod = await record({ stack: "prod" });
    });

    describe("the pack itself", () => {
        it("has unique names and every policy is mandatory", () => {
            const names = policies.map((p) => p.name);
            assert.strictEqual(new Set(names).size, names.length);
            assert.ok(names.length >= 15);
            for (const p of policies) {
                assert.strictEqual(p.enforcementLevel, "mandatory", p.name);
            }
            const index = fs.readFileSync(path.join(REPO, "policy", "index.ts"), "utf8");
            assert.match(index, /enforcementLevel: "mandatory"/);
        });

        it("is a Node.js pack whose package.json has only name, version (PolicyPack requires it) and main, resolving @pulumi/* from the repo root", () => {
            const dir = path.join(REPO, "policy");
            assert.match(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            assert.deepStrictEqual(Object.keys(pkg).sort(), ["main", "name", "version"]);
            assert.ok(fs.existsSync(path.join(dir, pkg.main)));
            assert.ok(!fs.existsSync(path.join(dir, "node_modules")), "the pack must not carry its own node_modules");
            for (const mod of ["@pulumi/policy", "@pulumi/pulumi/cmd/run-policy-pack"]) {
                const resolved = require.resolve(mod, { paths: [dir] });
                assert.ok(resolved.startsWith(path.join(REPO, "node_modules") + path.sep), `${mod} resolved to ${resolved}`);
            }
        });
    });

    for (const stack of ["dev", "prod"]) {
        describe(`stack ${stack} as committed`, () => {
            const rec = () => (stack === "dev" ? dev : prod);

            it("registers the pod-bearing workloads the policies judge (2 Deployments, the Job, the engine CronJob and in prod the backup's) and the PVC", () => {
                const types = rec().subjects.map((s) => s.type);
                assert.strictEqual(types.filter((t) => t === "kubernetes:apps/v1:Deployment").length, 2);
                assert.strictEqual(types.filter((t) => t === "kubernetes:batch/v1:Job").length, 1);
                assert.strictEqual(types.filter((t) => t === "kubernetes:batch/v1:CronJob").length, stack === "prod" ? 2 : 1);
                assert.strictEqual(types.filter((t) => t === PVC_TYPE).length, 1);
            });

            it("passes every resource policy on every resource", async () => {
                const all: string[] = [];
                for (const s of rec().subjects) {
                    all.push(...(await allViolations(stack, s)).map((v) => `${s.type} ${s.name}: ${v}`));
                }
                assert.deepStrictEqual(all, []);
            });

            it("passes the stack policies (outputs carry no secret data)", async () => {
                for (const p of stackPolicies) {
                    assert.deepStrictEqual(await stackViolations(p, stackArgs(rec())), [], p.name);
                }
            });
        });
    }

    it("prod with the ServiceMonitor, PrometheusRule and dashboard on passes every resource policy", async () => {
        const rec = await record({ stack: "prod", set: { metricsServiceMonitor: "true", metricsPrometheusRule: "true", metricsDashboard: "true" } });
        assert.ok(rec.subjects.some((s) => s.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule"));
        const all: string[] = [];
        for (const s of rec.subjects) {
            all.push(...(await allViolations("prod", s)).map((v) => `${s.type} ${s.name}: ${v}`));
        }
        assert.deepStrictEqual(all, []);
    });

    describe("violations, one broken copy at a time", () => {
        it("container-resources: a container without limits", async () => {
            const web = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-web");
            delete container(web, "web").resources.limits;
            await expectOnly("dev", web, "container-resources", /container "web" has no resources limits\.cpu, limits\.memory/);
        });

        it("container-resources: a CronJob container without a memory request", async () => {
            const engine = copyOf(prod, "kubernetes:batch/v1:CronJob", "bots-engine");
            delete podSpec(engine).containers[0].resources.requests.memory;
            await expectOnly("prod", engine, "container-resources", /CronJob bots-engine: container "engine" has no resources requests\.memory$/);
        });

        it("images-by-digest: an image by tag", async () => {
            const job = copyOf(prod, "kubernetes:batch/v1:Job");
            podSpec(job).containers[0].image = "registry.example.com/edi/bots:3.3.1";
            await expectOnly("prod", job, "images-by-digest", /Job bots-db-init-[0-9a-f]+: container "db-init" uses image "registry\.example\.com\/edi\/bots:3\.3\.1", not pinned by digest/);
        });

        it("images-by-digest: an init container by tag", async () => {
            const worker = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-worker");
            const init = structuredClone(container(worker, "jobqueue"));
            Object.assign(init, { name: "wait", image: "busybox:1.36" });
            delete init.livenessProbe;
            delete init.readinessProbe;
            delete init.startupProbe;
            podSpec(worker).initContainers = [init];
            await expectOnly("dev", worker, "images-by-digest", /init container "wait" uses image "busybox:1\.36"/);
        });

        it("pss-privileged: a privileged container", async () => {
            const worker = copyOf(prod, "kubernetes:apps/v1:Deployment", "bots-worker");
            container(worker, "dirmonitor").securityContext = { ...container(worker, "dirmonitor").securityContext, privileged: true };
            await expectOnly("prod", worker, "pss-privileged", /Deployment bots-worker: container "dirmonitor" is privileged/);
        });

        it("pss-host-namespaces: hostNetwork, hostPID, hostIPC", async () => {
            const engine = copyOf(dev, "kubernetes:batch/v1:CronJob", "bots-engine");
            Object.assign(podSpec(engine), { hostNetwork: true, hostPID: true, hostIPC: true });
            await expectOnly("dev", engine, "pss-host-namespaces", /host(Network|PID|IPC) is true/);
            assert.strictEqual((await violations(byName("pss-host-namespaces") as ResourceValidationPolicy, "dev", engine)).length, 3);
        });

        it("pss-volume-types: a hostPath volume and an nfs volume", async () => {
            const web = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-web");
            podSpec(web).volumes.push({ name: "host", hostPath: { path: "/var/lib" } }, { name: "share", nfs: { server: "nas", path: "/edi" } });
            const found = await violations(byName("pss-volume-types") as ResourceValidationPolicy, "dev", web);
            assert.deepStrictEqual(found, [
                'Deployment bots-web: volume "host" is a hostPath volume; hostPath is forbidden',
                'Deployment bots-web: volume "share" has type nfs, which the restricted profile does not allow',
            ]);
            await expectOnly("dev", web, "pss-volume-types", /volume "(host|share)"/);
        });

        it("pss-capabilities: ALL not dropped, SYS_ADMIN added; NET_BIND_SERVICE alone is allowed", async () => {
            const web = copyOf(prod, "kubernetes:apps/v1:Deployment", "bots-web");
            const sc = container(web, "web").securityContext;
            container(web, "web").securityContext = { ...sc, capabilities: { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] } };
            const found = await violations(byName("pss-capabilities") as ResourceValidationPolicy, "prod", web);
            assert.deepStrictEqual(found, [
                'Deployment bots-web: container "web" does not drop ALL capabilities (securityContext.capabilities.drop)',
                'Deployment bots-web: container "web" adds capabilities SYS_ADMIN; only NET_BIND_SERVICE may be added',
            ]);
            container(web, "web").securityContext = { ...sc, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } };
            assert.deepStrictEqual(await allViolations("prod", web), []);
        });

        it("pss-no-privilege-escalation: allowPrivilegeEscalation true or unset", async () => {
            const job = copyOf(dev, "kubernetes:batch/v1:Job");
            const c = podSpec(job).containers[0];
            c.securityContext = { ...c.securityContext, allowPrivilegeEscalation: true };
            await expectOnly("dev", job, "pss-no-privilege-escalation", /container "db-init" does not set securityContext\.allowPrivilegeEscalation: false/);
            delete c.securityContext.allowPrivilegeEscalation;
            await expectOnly("dev", job, "pss-no-privilege-escalation", /allowPrivilegeEscalation/);
        });

        it("pss-run-as-non-root: runAsNonRoot on neither pod nor container, and runAsUser 0", async () => {
            const worker = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-worker");
            const spec = podSpec(worker);
            spec.securityContext = { ...spec.securityContext, runAsNonRoot: undefined };
            delete spec.securityContext.runAsNonRoot;
            const jq = container(worker, "jobqueue");
            jq.securityContext = { ...jq.securityContext, runAsUser: 0 };
            delete jq.securityContext.runAsNonRoot;
            const found = await violations(byName("pss-run-as-non-root") as ResourceValidationPolicy, "dev", worker);
            assert.deepStrictEqual(found, [
                'Deployment bots-worker: container "jobqueue" may run as root: runAsNonRoot is set neither on it nor on the pod',
                'Deployment bots-worker: container "jobqueue" sets runAsUser: 0 (root)',
            ]);
        });

        it("pss-seccomp: Unconfined on a container, or no profile anywhere", async () => {
            const web = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-web");
            const c = container(web, "web");
            c.securityContext = { ...c.securityContext, seccompProfile: { type: "Unconfined" } };
            await expectOnly("dev", web, "pss-seccomp", /container "web" sets seccompProfile\.type Unconfined/);
            delete c.securityContext.seccompProfile;
            const spec = podSpec(web);
            spec.securityContext = { ...spec.securityContext };
            delete spec.securityContext.seccompProfile;
            await expectOnly("dev", web, "pss-seccomp", /container "web" has no seccompProfile/);
        });

        it("pss-host-ports: a hostPort", async () => {
            const web = copyOf(prod, "kubernetes:apps/v1:Deployment", "bots-web");
            const c = container(web, "web");
            c.ports = [{ ...c.ports[0], hostPort: 8080 }];
            await expectOnly("prod", web, "pss-host-ports", /container "web" binds hostPort 8080/);
        });

        it("pss-apparmor-selinux-procmount-sysctls: unconfined AppArmor, spc_t, Unmasked /proc, an unsafe sysctl", async () => {
            const engine = copyOf(prod, "kubernetes:batch/v1:CronJob", "bots-engine");
            const spec = podSpec(engine);
            spec.securityContext = { ...spec.securityContext, sysctls: [{ name: "kernel.msgmax", value: "65536" }], seLinuxOptions: { type: "spc_t" } };
            const c = spec.containers[0];
            c.securityContext = { ...c.securityContext, appArmorProfile: { type: "Unconfined" }, procMount: "Unmasked" };
            const found = await violations(byName("pss-apparmor-selinux-procmount-sysctls") as ResourceValidationPolicy, "prod", engine);
            assert.deepStrictEqual(found.map((m) => m.replace(/^CronJob bots-engine: /, "")), [
                "pod seLinuxOptions.type spc_t is not allowed",
                "sysctl kernel.msgmax is not in the safe set",
                'container "engine" sets appArmorProfile.type Unconfined',
                'container "engine" sets procMount Unmasked',
            ]);
        });

        it("read-only-root-filesystem: a writable root filesystem", async () => {
            const worker = copyOf(prod, "kubernetes:apps/v1:Deployment", "bots-worker");
            const c = container(worker, "jobqueue");
            c.securityContext = { ...c.securityContext, readOnlyRootFilesystem: false };
            await expectOnly("prod", worker, "read-only-root-filesystem", /Deployment bots-worker: container "jobqueue" does not set securityContext\.readOnlyRootFilesystem: true/);
        });

        it("long-running-probes: a Deployment container without liveness, or with neither readiness nor startup", async () => {
            const web = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-web");
            delete container(web, "web").livenessProbe;
            await expectOnly("dev", web, "long-running-probes", /Deployment bots-web: container "web" has no livenessProbe$/);

            const worker = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-worker");
            delete container(worker, "jobqueue").readinessProbe; // startup + liveness remain: allowed
            assert.deepStrictEqual(await allViolations("dev", worker), []);
            delete container(worker, "jobqueue").startupProbe;
            await expectOnly("dev", worker, "long-running-probes", /container "jobqueue" has neither a readinessProbe nor a startupProbe/);
        });

        it("long-running-probes: Jobs and CronJobs run to completion and need no probes", async () => {
            const job = copyOf(dev, "kubernetes:batch/v1:Job");
            assert.strictEqual(podSpec(job).containers[0].livenessProbe, undefined);
            assert.deepStrictEqual(await allViolations("dev", job), []);
        });

        it("covers StatefulSet, DaemonSet and bare Pod specs too", async () => {
            const web = copyOf(dev, "kubernetes:apps/v1:Deployment", "bots-web");
            const template = web.props.spec.template;
            const kinds: Subject[] = [
                { type: "kubernetes:apps/v1:StatefulSet", name: "ss", props: { metadata: { name: "ss" }, spec: { template: structuredClone(template) } }, protect: false },
                { type: "kubernetes:apps/v1:DaemonSet", name: "ds", props: { metadata: { name: "ds" }, spec: { template: structuredClone(template) } }, protect: false },
                { type: "kubernetes:core/v1:Pod", name: "pod", props: { metadata: { name: "pod" }, spec: structuredClone(template.spec) }, protect: false },
            ];
            for (const s of kinds) {
                assert.deepStrictEqual(await allViolations("dev", s), [], s.type);
                podSpec(s).containers[0].securityContext = { ...podSpec(s).containers[0].securityContext, privileged: true };
                await expectOnly("dev", s, "pss-privileged", /container "web" is privileged/);
            }
        });

        it("data-volume-protected: an unprotected prod claim fails; dev passes unless configured", async () => {
            // The program protects the claim on every stack unless a data volume change is
            // acknowledged for one run; the policy catches an unprotected claim whatever the cause.
            const acknowledged = await record({ stack: "prod", set: { dataVolumeChangeAcknowledged: "storageClass:longhorn->fast" } });
            const pvc = copyOf(acknowledged, PVC_TYPE);
            assert.strictEqual(pvc.protect, false, "an acknowledged run unprotects the claim");
            await expectOnly("prod", pvc, "data-volume-protected", /PersistentVolumeClaim bots-data \(ReadWriteMany data volume\) is not protected in stack prod/);

            const devPvc = { ...copyOf(dev, PVC_TYPE), protect: false };
            assert.deepStrictEqual(await allViolations("dev", devPvc), []);
            const policy = byName("data-volume-protected") as ResourceValidationPolicy;
            assert.strictEqual((await violations(policy, "dev", devPvc, { requireProtection: true })).length, 1);
            assert.strictEqual((await violations(policy, "dev", devPvc, { productionStacks: ["dev", "prod"] })).length, 1);
            assert.strictEqual((await violations(policy, "prod", pvc, { productionStacks: ["staging"] })).length, 0);
            // The list's name before 0.2 still counts, unless the new one is given.
            assert.strictEqual((await violations(policy, "dev", devPvc, { protectedStacks: ["dev"] })).length, 1);
            assert.strictEqual((await violations(policy, "dev", devPvc, { protectedStacks: ["dev"], productionStacks: ["prod"] })).length, 0);
            // and the committed prod stack (protectData true) passes
            assert.deepStrictEqual(await violations(policy, "prod", copyOf(prod, PVC_TYPE)), []);
        });

        it("no-secret-data-in-outputs: an output carrying a generated password, an operator secret, base64 data, a credential-named output", async () => {
            const policy = byName("no-secret-data-in-outputs") as StackValidationPolicy;
            const generated = `${GENERATED}-bots-config-superuser-password`;
            /** The name the program gave the Secret that holds `key`. */
            const holding = (rec: Recording, key: string) =>
                rec.subjects.find((x) => x.type === "kubernetes:core/v1:Secret" && key in (x.props.stringData ?? {}))!.props.metadata.name as string;
            assert.deepStrictEqual(
                (await stackViolations(policy, stackArgs(dev, { ...dev.run.outputs, adminLogin: `admin:${generated}` }))).sort(),
                [
                    'stack output "adminLogin" contains the secret value of RandomPassword bots-config-superuser-password',
                    `stack output "adminLogin" contains the secret value of Secret ${holding(dev, "SUPERUSER_PASSWORD")} key SUPERUSER_PASSWORD`,
                ],
            );

            const withDb = await record({ stack: "prod", unset: ["databaseExistingSecret"], secrets: { databasePassword: "s3cr3t-db-pass" } });
            assert.deepStrictEqual(await stackViolations(policy, stackArgs(withDb)), []);
            const b64 = Buffer.from("s3cr3t-db-pass").toString("base64");
            assert.deepStrictEqual(await stackViolations(policy, stackArgs(withDb, { ...withDb.run.outputs, db: { conn: [`postgres://bots@db/${b64}`] } })), [
                `stack output "db.conn[0]" contains the secret value of Secret ${holding(withDb, "DB_PASSWORD")} key DB_PASSWORD`,
            ]);

            assert.deepStrictEqual(await stackViolations(policy, stackArgs(dev, { ...dev.run.outputs, databasePassword: "" })), [
                'stack output "databasePassword" is named like a credential; outputs are a public contract and carry no secrets',
            ]);

            // A TLS Secret's data counts whatever its keys are called.
            const tls: Subject = {
                type: "kubernetes:core/v1:Secret",
                name: "tls",
                props: { type: "kubernetes.io/tls", data: { "tls.crt": Buffer.from("-----BEGIN CERTIFICATE-----xyz").toString("base64") } },
                protect: false,
            };
            assert.deepStrictEqual(await stackViolations(policy, stackArgs(dev, { ...dev.run.outputs, cert: "-----BEGIN CERTIFICATE-----xyz" }, [tls])), [
                'stack output "cert" contains the secret value of Secret tls key tls.crt',
            ]);
        });

        it("no-secret-data-in-outputs does not trip over values unknown during preview", async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { unknownCheckingProxy, unknownStringValue } = require("@pulumi/policy/proxy");
            const policy = byName("no-secret-data-in-outputs") as StackValidationPolicy;
            const args = stackArgs(dev, { ...dev.run.outputs, imageRef: unknownStringValue });
            args.resources = args.resources.map((r) => ({ ...r, props: unknownCheckingProxy(r.props) }));
            assert.deepStrictEqual(await stackViolations(policy, args), []);

            // A resource policy reading an unknown image throws the SDK's UnknownValueError, which the
            // SDK reports as an advisory "can't run during preview" instead of a verdict.
            const job = copyOf(dev, "kubernetes:batch/v1:Job");
            podSpec(job).containers[0].image = unknownStringValue;
            job.props = unknownCheckingProxy(job.props);
            await assert.rejects(
                async () => violations(byName("images-by-digest") as ResourceValidationPolicy, "dev", job),
                (e: Error) => e.constructor.name === "UnknownValueError" && /can't be known during preview/.test(e.message),
            );
        });
    });

    it("policy/ type-checks on its own (as the CLI's ts-node will compile it)", function () {
        this.timeout(120000);
        assert.deepStrictEqual(typeCheck(path.join(REPO, "policy")).errors, []);
    });
});

describe("policy pack on a stack with the file exchange and channel credentials", function () {
    this.timeout(60000);

    it("passes every resource and stack policy (prod: restricted exchange pods, keys only in Secrets)", async () => {
        const rec = await record({
            stack: "prod",
            set: {
                botsSource: "context",
                fileExchangeS3Endpoint: "https://s3.example.com",
                fileExchangeRules: JSON.stringify([
                    { name: "in", from: "s3://edi/in/", to: "botssys/infile/orders" },
                    { name: "out", from: "botssys/outfile/orders", to: "s3://edi/out/", afterCopy: "archive", archiveTo: "s3://edi/archive/" },
                ]),
            },
            secrets: {
                fileExchangeS3AccessKey: "policy-access-key",
                fileExchangeS3SecretKey: "policy-secret-key",
                botsChannelCredentials: JSON.stringify({ partner_sftp: { password: "policy-channel-password" } }),
            },
        });
        assert.strictEqual(rec.subjects.filter((s) => s.type === "kubernetes:batch/v1:CronJob").length, 4, "engine, backup and the two rules");
        const all: string[] = [];
        for (const s of rec.subjects) {
            all.push(...(await allViolations("prod", s)).map((v) => `${s.type} ${s.name}: ${v}`));
        }
        assert.deepStrictEqual(all, []);
        for (const p of stackPolicies) {
            assert.deepStrictEqual(await stackViolations(p, stackArgs(rec)), [], p.name);
        }
    });
});

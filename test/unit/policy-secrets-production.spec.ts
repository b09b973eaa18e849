import * as assert from "assert";
import { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { prodNetworkPolicy } from "../../policy/policies/production/network-policies";
import { PRODUCTION_LABEL as POLICY_LABEL, productionDeclared } from "../../policy/policies/production/production-declared";
import { PRODUCTION_LABEL } from "../../components/kubernetes/namespace";
import { secretEnv } from "../../policy/policies/workloads/secret-env";
import { policies } from "../../policy/policies";
import { StackRun, T, ofType, runStack } from "../support/harness";
import { PROJECT } from "../support/mocks";
import { revealAll } from "../support/values";

// The two policies of issue 10: secret-env (no secrets in long-running pods' environment) and
// prod-network-policy (production stacks deny ingress by default), on what the program registers.

/* eslint-disable @typescript-eslint/no-explicit-any -- mutating untyped Kubernetes objects */
const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
const opts = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

function resourceArgs(stack: string, type: string, name: string, props: any, config: object = {}): ResourceValidationArgs {
    return {
        type, name, urn: urn(stack, type, name), props, opts, stackTags: new Map(),
        isType: () => false, asType: () => undefined, getConfig: <C extends object>() => config as C,
        notApplicable: (r?: string): never => { throw new Error(`notApplicable: ${r}`); },
    };
}

async function secretEnvViolations(stack: string, type: string, name: string, props: any, config: object = {}): Promise<string[]> {
    const found: string[] = [];
    await (secretEnv.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void)(resourceArgs(stack, type, name, props, config), (m) => found.push(m));
    return found;
}

function stackArgs(run: StackRun, stack: string, drop: (r: { type: string; inputs: any }) => boolean = () => false, config: object = {}): StackValidationArgs {
    const resources: PolicyResource[] = run.resources.filter((r) => !drop(r)).map((r) => ({
        type: r.type, name: r.name, urn: urn(stack, r.type, r.name), props: revealAll(structuredClone(r.inputs)), opts,
        dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
    }));
    return { resources, stackTags: new Map(), getConfig: <C extends object>() => config as C, notApplicable: (r?: string): never => { throw new Error(`notApplicable: ${r}`); } };
}

async function declaredViolations(args: StackValidationArgs): Promise<string[]> {
    const found: string[] = [];
    await productionDeclared.validateStack(args, (m) => found.push(m));
    return found;
}

async function prodViolations(args: StackValidationArgs): Promise<string[]> {
    const found: string[] = [];
    await prodNetworkPolicy.validateStack(args, (m) => found.push(m));
    return found;
}

describe("policies of issue 10", function () {
    this.timeout(60000);
    let dev: StackRun;
    let prod: StackRun;
    before(async () => {
        dev = await runStack({ stack: "dev", unset: ["databaseExistingSecret"], set: { emailUser: "bots" }, secrets: { databasePassword: "pw", emailPassword: "mail" } });
        prod = await runStack({ stack: "prod" });
    });

    it("are in the pack, mandatory", () => {
        for (const name of ["secret-env", "prod-network-policy"]) {
            assert.strictEqual(policies.find((p) => p.name === name)?.enforcementLevel, "mandatory", name);
        }
    });

    it("secret-env passes every workload the program makes (secrets are files)", async () => {
        for (const run of [dev, prod]) {
            for (const d of ofType(run, T.deployment)) {
                assert.deepStrictEqual(await secretEnvViolations("dev", d.type, d.name, revealAll(structuredClone(d.inputs))), [], d.name);
            }
        }
    });

    it("secret-env fails a secretKeyRef to a credential, a literal credential and envFrom of a Secret, in long-running pods only", async () => {
        const web = structuredClone(revealAll(ofType(dev, T.deployment).find((d) => d.inputs.metadata.name === "bots-web")!.inputs));
        const c = web.spec.template.spec.containers[0];
        c.env.push({ name: "SUPERUSER_PASSWORD", valueFrom: { secretKeyRef: { name: "bots-config", key: "SUPERUSER_PASSWORD" } } });
        c.env.push({ name: "API_TOKEN", value: "abc123" });
        c.envFrom = [{ secretRef: { name: "bots-db" } }];
        const found = await secretEnvViolations("dev", T.deployment, "bots-web", web);
        assert.deepStrictEqual(found, [
            'Deployment bots-web: container "web" reads the secret key SUPERUSER_PASSWORD of Secret bots-config into its environment (SUPERUSER_PASSWORD); mount it as a file (a Secret volume and SUPERUSER_PASSWORD_FILE) instead',
            'Deployment bots-web: container "web" sets API_TOKEN in its environment to a literal value; credentials belong in a Secret mounted as a file',
            'Deployment bots-web: container "web" loads every key of Secret bots-db into its environment (envFrom); mount it as files instead',
        ]);
        assert.deepStrictEqual((await secretEnvViolations("dev", T.deployment, "bots-web", web, { allowed: ["SUPERUSER_PASSWORD", "API_TOKEN", "bots-db"] })), []);
        const job = structuredClone(revealAll(ofType(dev, T.job)[0].inputs));
        job.spec.template.spec.containers[0].env.push({ name: "SUPERUSER_PASSWORD", valueFrom: { secretKeyRef: { name: "x", key: "SUPERUSER_PASSWORD" } } });
        assert.deepStrictEqual(await secretEnvViolations("dev", T.job, "bots-db-init", job), [], "a one-shot Job is not long-running");
    });

    it("prod-network-policy passes prod as committed and dev without NetworkPolicies", async () => {
        assert.deepStrictEqual(await prodViolations(stackArgs(prod, "prod")), []);
        assert.deepStrictEqual(await prodViolations(stackArgs(dev, "dev")), []);
    });

    it("prod-network-policy fails prod without its default-deny policy, and any stack listed as production", async () => {
        const noDeny = (r: { type: string; inputs: any }) => r.type === T.networkPolicy && r.inputs.metadata.name === "bots-default-deny-ingress";
        assert.deepStrictEqual(await prodViolations(stackArgs(prod, "prod", noDeny)), [
            "production stack prod runs workloads in namespace bots-edi without a default-deny ingress NetworkPolicy (podSelector {}, policyTypes [Ingress]): set networkPolicyEnabled: true",
        ]);
        assert.strictEqual((await prodViolations(stackArgs(dev, "dev", () => false, { productionStacks: ["dev"] }))).length, 1);
        assert.deepStrictEqual(await prodViolations(stackArgs(prod, "prod", noDeny, { productionStacks: ["live"] })), []);
    });

    it("production-declared passes prod as committed (production: true labels its namespace) and dev, which is not listed", async () => {
        assert.strictEqual(POLICY_LABEL, PRODUCTION_LABEL, "the policy reads the label the program writes");
        const ns = ofType(prod, T.namespace)[0];
        assert.strictEqual(ns.inputs.metadata.labels[PRODUCTION_LABEL], "true");
        assert.strictEqual(ofType(dev, T.namespace)[0].inputs.metadata.labels[PRODUCTION_LABEL], undefined);
        assert.deepStrictEqual(await declaredViolations(stackArgs(prod, "prod")), []);
        assert.deepStrictEqual(await declaredViolations(stackArgs(dev, "dev")), []);
    });

    it("production-declared fails a listed stack whose config does not say production: true, naming the command", async () => {
        const undeclared = await runStack({ stack: "prod", set: { production: "false" } });
        assert.deepStrictEqual(await declaredViolations(stackArgs(undeclared, "prod")), [
            "stack prod is a production stack (productionStacks) but its config does not declare it: run `pulumi config set production true`, which also turns on the program's production guard rails",
        ]);
        assert.strictEqual((await declaredViolations(stackArgs(dev, "dev", () => false, { productionStacks: ["dev"] }))).length, 1);
        assert.deepStrictEqual(await declaredViolations(stackArgs(undeclared, "prod", () => false, { productionStacks: ["live"] })), []);
    });
});

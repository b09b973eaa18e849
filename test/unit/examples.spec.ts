import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as ts from "typescript";
import { OPTIONAL_OUTPUTS, REQUIRED_OUTPUTS, readBotsOutputs } from "../../examples/consumer/bots-outputs";
import { REPO } from "../support/harness";
import { typeCheck } from "../support/typecheck";

// examples/consumer is the typed StackReference consumer other teams copy. It must compile against
// the program's real exports (contract-check.ts), and it must read the outputs it promises.
// (`npm run lint` also runs `tsc -p examples/consumer`, which type-checks the whole program with it.)

const CONSUMER = path.join(REPO, "examples", "consumer");
const CONTRACT = path.join(CONSUMER, "contract-check.ts");
const INDEX = path.join(REPO, "index.ts");
/** An Output's value, or its error (Output's internal promise, which rejects when the value fails). */
const settle = <T>(o: pulumi.Output<T>) => (o as unknown as { promise(): Promise<T> }).promise();

const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** The output names of the README's "Stack outputs" table. */
function readmeOutputs(): string[] {
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    const section = readme.split(/^## Stack outputs$/m)[1].split(/^## /m)[0];
    return [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
}

describe("examples/consumer (typed StackReference consumer)", function () {
    this.timeout(120000);
    let clean: ts.Program;

    it("compiles with tsc against the program's real exports", () => {
        const { program, errors } = typeCheck(CONSUMER);
        clean = program;
        assert.deepStrictEqual(errors, []);
        assert.ok(program.getSourceFile(INDEX), "contract-check.ts must pull in the program's index.ts");
    });

    it("fails to compile when an output is renamed, retyped or removed in index.ts", () => {
        const contractErrors = (change: (text: string) => string) =>
            typeCheck(CONSUMER, { edit: { file: INDEX, change }, old: clean, only: [CONTRACT] }).errors;
        const renamed = contractErrors((t) => t.replace("export const webUrl =", "export const webURL ="));
        assert.ok(renamed.some((e) => e.startsWith("examples/consumer/contract-check.ts")), `rename not caught: ${renamed.join("\n")}`);
        const retyped = contractErrors((t) => t.replace("export const engineSchedule = app.engineSchedule;", "export const engineSchedule = app.engineSchedule.apply((s) => s.length);"));
        assert.ok(retyped.some((e) => e.startsWith("examples/consumer/contract-check.ts")), `type change not caught: ${retyped.join("\n")}`);
        const removed = contractErrors((t) => t.replace(/^export const pvcName = .*$/m, ""));
        assert.ok(removed.some((e) => e.startsWith("examples/consumer/contract-check.ts")), `removal not caught: ${removed.join("\n")}`);
    });

    it("types exactly the outputs documented in the README", () => {
        assert.deepStrictEqual([...REQUIRED_OUTPUTS, ...OPTIONAL_OUTPUTS].sort(), readmeOutputs().sort());
    });

    describe("under mocks, with a mocked StackReference", () => {
        const DEV_OUTPUTS = {
            namespace: "bots-edi-dev",
            imageRef: `registry.example.com/edi/bots@sha256:${"3f".repeat(32)}`,
            imageDigest: `sha256:${"3f".repeat(32)}`,
            webServiceName: "bots-web",
            webUrl: "http://bots-web.bots-edi-dev.svc.cluster.local:8080/",
            ingressUrl: "https://edi-dev.example.com/",
            pvcName: "bots-data",
            configSecretName: "bots-config-1a2b3c4d",
            engineSchedule: "*/2 * * * *",
            initJobName: "bots-db-init-0f3e2a9c1b",
        };
        let stackOutputs: Record<string, unknown>;
        const references: string[] = [];

        before(async () => {
            await pulumi.runtime.setMocks(
                {
                    newResource(args) {
                        if (args.type === "pulumi:pulumi:StackReference") {
                            references.push(args.inputs.name);
                            return { id: args.inputs.name, state: { name: args.inputs.name, outputs: stackOutputs, secretOutputNames: [] } };
                        }
                        throw new Error(`the consumer should register nothing but StackReferences, got ${args.type}`);
                    },
                    call(args) {
                        throw new Error(`unexpected invoke ${args.token}`);
                    },
                },
                "bots-edi-consumer",
                "dev",
                false,
            );
        });

        it("runs index.ts: reads the configured stack and derives its exports from the outputs", async () => {
            stackOutputs = DEV_OUTPUTS;
            pulumi.runtime.setAllConfig({ "bots-edi-consumer:botsStack": "organization/bots-edi-deploy/dev" });
            const program = await import("../../examples/consumer/index");
            assert.strictEqual(await settle(program.botsUrl), "https://edi-dev.example.com/");
            assert.strictEqual(await settle(program.botsServiceHost), "bots-web.bots-edi-dev.svc.cluster.local");
            assert.strictEqual(await settle(program.botsNamespace), "bots-edi-dev");
            assert.strictEqual(await settle(program.botsImage), DEV_OUTPUTS.imageRef);
            assert.strictEqual(await settle(program.botsDigest), DEV_OUTPUTS.imageDigest);
            assert.strictEqual(await settle(program.botsEngineSchedule), "*/2 * * * *");
            assert.deepStrictEqual(references, ["organization/bots-edi-deploy/dev"]);
        });

        it("reads a stack without ingressUrl (optional) and falls back to nothing for it", async () => {
            stackOutputs = without(DEV_OUTPUTS, "ingressUrl");
            const bots = readBotsOutputs(new pulumi.StackReference("organization/bots-edi-deploy/staging"));
            assert.strictEqual(await settle(bots.ingressUrl), undefined);
            assert.strictEqual(await settle(bots.webUrl), DEV_OUTPUTS.webUrl);
        });

        it("fails loudly when a required output is missing or not a string", async () => {
            stackOutputs = without(DEV_OUTPUTS, "webUrl");
            const missing = readBotsOutputs(new pulumi.StackReference("organization/bots-edi-deploy/old"));
            await assert.rejects(settle(missing.webUrl), /Required output 'webUrl' does not exist/);

            stackOutputs = { ...DEV_OUTPUTS, pvcName: 42 };
            const wrong = readBotsOutputs(new pulumi.StackReference("organization/bots-edi-deploy/odd"));
            await assert.rejects(settle(wrong.pvcName), /output pvcName of organization\/bots-edi-deploy\/odd is 42, not the documented string/);
        });
    });
});

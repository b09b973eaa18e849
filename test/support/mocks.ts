import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

// One process-wide set of mocks (setMocks is global): every registration is recorded with its
// inputs, which is what the tests assert on. The mocks fill in only what the real providers would
// compute: image digests and generated passwords. They name no object: the program names every
// Kubernetes object itself (test/unit/names.spec.ts), so a preview shows the names `up` creates.

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    provider?: string;
    custom: boolean;
}

export const PROJECT = "bots-edi-deploy";
export const recorded: Recorded[] = [];
export const invokes: { token: string; inputs: Record<string, unknown> }[] = [];

/** Outputs of the stack's previous deployment, as its StackReference to itself reads them (reset per run). */
export const previousOutputs: { value: Record<string, unknown> } = { value: {} };

export const fakeDigest = (seed: string) => `sha256:${crypto.createHash("sha256").update(seed).digest("hex")}`;
export const GENERATED = "generated-by-random-mock";

const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs) {
        const state: Record<string, any> = { ...args.inputs }; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (args.type === "pulumi:pulumi:StackReference") {
            return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs: previousOutputs.value, secretOutputNames: [] } };
        }
        if (args.type === "docker-build:index:Image") {
            const digest = fakeDigest(JSON.stringify(args.inputs));
            state.digest = digest;
            state.ref = `${args.inputs.tags[0]}@${digest}`;
        }
        if (args.type === "docker-build:index:Index") {
            state.ref = `${args.inputs.tag}@${fakeDigest(JSON.stringify(args.inputs.sources))}`;
        }
        if (args.type === "random:index/randomPassword:RandomPassword") {
            state.result = `${GENERATED}-${args.name}`;
        }
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom ?? true });
        return { id: `${args.name}-id`, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "docker:index/getRegistryImage:getRegistryImage") {
            return { name: args.inputs.name, sha256Digest: fakeDigest(String(args.inputs.name)) };
        }
        throw new Error(`unexpected invoke ${args.token}`);
    },
};

export async function useMocks(stack: string): Promise<void> {
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false, "organization");
}

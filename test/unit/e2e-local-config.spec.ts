// setLocalConfig (test/e2e/support.ts), the one place the e2e specs and the node benches write a
// stack's config: what it asks the Automation API to set, set by path, set as secrets and remove.
import { strict as assert } from "assert";
import { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { NO_INGRESS, SQLITE, setLocalConfig } from "../e2e/support";

interface Call {
    op: "set" | "remove";
    config?: ConfigMap;
    path?: boolean;
    keys?: string[];
}

/** A Stack that records the config calls setLocalConfig makes. */
function recordingStack(): { stack: Stack; calls: Call[] } {
    const calls: Call[] = [];
    const fake = {
        setAllConfig: async (config: ConfigMap, path?: boolean) => void calls.push({ op: "set", config, path }),
        removeAllConfig: async (keys: string[]) => void calls.push({ op: "remove", keys }),
    };
    return { stack: fake as unknown as Stack, calls };
}

const ENV = { BOTS_KUBE_CONTEXT: "bots-local", BOTS_KUBECONFIG: "/cluster/kubeconfig" };

describe("e2e support: setLocalConfig", function () {
    it("writes the cluster's kubeconfig and context, and existing mode with an imageRef", async function () {
        const { stack, calls } = recordingStack();
        await setLocalConfig(stack, ENV, { imageRef: "r@sha256:00", namespace: "ns" });
        assert.deepStrictEqual(calls, [
            {
                op: "set",
                path: undefined,
                config: {
                    "bots-edi-deploy:kubeContext": { value: "bots-local" },
                    "bots-edi-deploy:kubeconfig": { value: "/cluster/kubeconfig" },
                    "bots-edi-deploy:imageMode": { value: "existing" },
                    "bots-edi-deploy:imageRef": { value: "r@sha256:00" },
                    "bots-edi-deploy:namespace": { value: "ns" },
                },
            },
        ]);
    });

    it("a key given overrides the cluster's (a wrong kubeContext on purpose); undefined leaves a key alone", async function () {
        const { stack, calls } = recordingStack();
        await setLocalConfig(stack, ENV, { kubeContext: "bots-lcoal", logLevel: undefined });
        assert.deepStrictEqual(calls[0].config, {
            "bots-edi-deploy:kubeContext": { value: "bots-lcoal" },
            "bots-edi-deploy:kubeconfig": { value: "/cluster/kubeconfig" },
        });
        assert.strictEqual(calls.length, 1);
    });

    it("sets lists item by item and secrets as secrets, both by path; removes the keys given as null", async function () {
        const { stack, calls } = recordingStack();
        await setLocalConfig(
            stack,
            ENV,
            { ...SQLITE, ...NO_INGRESS, botsActivateRoutes: ["a", "b"] },
            { "botsChannelCredentials.in.password": "pw", databasePassword: "db" },
        );
        assert.deepStrictEqual(calls.slice(1), [
            {
                op: "set",
                path: true,
                config: {
                    "bots-edi-deploy:botsActivateRoutes[0]": { value: "a" },
                    "bots-edi-deploy:botsActivateRoutes[1]": { value: "b" },
                    "bots-edi-deploy:botsChannelCredentials.in.password": { value: "pw", secret: true },
                    "bots-edi-deploy:databasePassword": { value: "db", secret: true },
                },
            },
            {
                op: "remove",
                keys: [
                    "bots-edi-deploy:databaseHost",
                    "bots-edi-deploy:databaseName",
                    "bots-edi-deploy:databaseUser",
                    "bots-edi-deploy:databaseExistingSecret",
                    "bots-edi-deploy:ingressHost",
                    "bots-edi-deploy:ingressClassName",
                    "bots-edi-deploy:ingressTlsSecret",
                    "bots-edi-deploy:ingressClusterIssuer",
                ],
            },
        ]);
        assert.deepStrictEqual(calls[0].config?.["bots-edi-deploy:databaseEngine"], { value: "sqlite" });
    });
});

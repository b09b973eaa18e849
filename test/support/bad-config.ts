import * as assert from "assert";
import { ConfigError } from "../../components/stack-config/config";
import { runStack } from "./harness";
import { recorded } from "./mocks";

/** A stack configuration the program must refuse. */
export interface BadConfigCase {
    /** What the operator did wrong (the test's title). */
    what: string;
    /** Stack whose committed file is the starting point (default dev). */
    stack?: string;
    /** Plain values laid over the stack file. */
    set?: Record<string, string>;
    /** Values stored as secrets. */
    secrets?: Record<string, string>;
    /** Keys removed from the stack file. */
    unset?: string[];
    /** The key the message must name. */
    key: string;
    /** Fragments the message must contain: the value as shown and what is allowed. */
    expect: string[];
}

/** Runs the stack and asserts a ConfigError naming the key and fragments, with no resource registered. */
export async function assertRefused(c: BadConfigCase): Promise<void> {
    const before = recorded.length;
    let error: unknown;
    try {
        await runStack({ stack: c.stack ?? "dev", set: c.set, secrets: c.secrets, unset: c.unset });
    } catch (e) {
        error = e;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    const line = error.issues.find((i) => i.startsWith(`bots-edi-deploy:${c.key} = `));
    assert.ok(line, `no issue names bots-edi-deploy:${c.key}; issues:\n${error.issues.join("\n")}`);
    for (const fragment of c.expect) {
        assert.ok(line.includes(fragment), `issue "${line}" lacks "${fragment}"`);
    }
    assert.match(error.message, /nothing was created or changed/);
    assert.strictEqual(recorded.length, before, "resources were registered despite bad config");
}

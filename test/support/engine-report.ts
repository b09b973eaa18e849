import * as assert from "assert";

/** Counts from the run report bots-engine prints at the end of a run (image and e2e tiers). */
export function engineReport(output: string): { received: number; ok: number; sent: number; errors: number } {
    const n = (re: RegExp): number => Number(re.exec(output)?.[1] ?? 0);
    assert.match(output, /files received\/processed in run/, "the engine printed its run report");
    return {
        received: n(/(\d+) files received\/processed in run/),
        ok: n(/(\d+) files without errors/),
        sent: n(/(\d+) files send in run/),
        errors: n(/(\d+) files with errors/),
    };
}

// Prints how long the unit tier takes as a whole process (`npm test`: ts-node, mocha's two workers,
// both stacks under mocks), over several runs, with the median against the tier's 20 s budget. A
// benchmark: it prints numbers and asserts nothing (ROUNDS, default 5).
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const BUDGET_S = 20;

function main(): void {
    const rounds = Number(process.env.ROUNDS ?? 5);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
        const t0 = process.hrtime.bigint();
        const r = spawnSync("npm", ["test", "--silent"], { cwd: REPO, encoding: "utf8", env: { ...process.env, TEST_COUNTS_FILE: "" } });
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        const passing = /(\d+) passing/.exec(r.stdout)?.[1] ?? "?";
        console.log(`run ${i + 1}: ${s.toFixed(1)} s (${passing} passing, exit ${r.status})`);
        times.push(s);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(
        `unit tier, whole process: median ${median.toFixed(1)} s, min ${times[0].toFixed(1)} s, max ${times[times.length - 1].toFixed(1)} s ` +
            `(${rounds} runs; budget ${BUDGET_S} s)`,
    );
}

main();

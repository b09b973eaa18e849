// Prints how long one evaluation of the program takes per stack under mocks (registration of every
// resource and resolution of every output). A benchmark: it prints numbers and asserts nothing.
import { runStack } from "../support/harness";

async function main(): Promise<void> {
    const rounds = Number(process.env.ROUNDS ?? 20);
    for (const stack of ["dev", "prod"]) {
        await runStack({ stack }); // warm-up: module loading and JIT
        const times: number[] = [];
        for (let i = 0; i < rounds; i++) {
            const t0 = process.hrtime.bigint();
            await runStack({ stack });
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        console.log(`${stack}: program evaluation under mocks: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms (${rounds} runs)`);
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});

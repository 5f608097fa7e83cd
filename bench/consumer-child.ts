/**
 * Child process of the consumer benchmark: runs the in-memory loops
 * (JSON.parse alone, decode → validate → aggregate over single-event records
 * and over frames) on the seeded corpus and sends the rates to the parent
 * (or prints them as JSON when run directly). bench/consumer.ts starts it
 * with the V8 heap flags AWS Lambda's Node.js runtime gives the stream
 * processor (functions/processor/runtime.ts).
 *
 *   node --max-semi-space-size=51 --max-old-space-size=922 -r ./scripts/register.js bench/consumer-child.ts <corpus events> <loop events> <ms>
 */
import { defineCommand, runMain, usageError } from "../scripts/lib/cli";
import { buildCorpus } from "./corpus";
import { measureInMemory } from "./consumer";

export const BENCH_CONSUMER_CHILD_COMMAND = defineCommand({
    name: "bench consumer-child",
    invocation: "node -r ./scripts/register.js bench/consumer-child.ts",
    summary: "Runs the consumer benchmark's in-memory loops on the seeded corpus; sends the rates to the parent (IPC) or prints them as JSON.",
    options: {},
    positionals: [
        { name: "corpus", required: true, description: "events in the seeded corpus (bench/corpus.ts)" },
        { name: "events", required: true, description: "events the loops go through per call (at most the corpus)" },
        { name: "ms", required: true, description: "milliseconds each loop runs in all (split over 3 alternating rounds)" },
    ],
});

/** The positionals as integers; a bad one → CliUsageError naming it and the value. */
export function consumerChildArgs(positionals: readonly string[]): { corpusEvents: number; memoryEvents: number; minMs: number } {
    const names = ["<corpus>", "<events>", "<ms>"];
    const values = positionals.slice(0, 3).map((v, i) => {
        const n = Number(v);
        if (!/^[0-9]+$/.test(v ?? "") || n < 1) usageError(`${names[i]} must be a whole number of at least 1 (received ${JSON.stringify(v)})`);
        return n;
    });
    return { corpusEvents: values[0], memoryEvents: values[1], minMs: values[2] };
}

if (require.main === module) {
    runMain(
        BENCH_CONSUMER_CHILD_COMMAND,
        async (_values, positionals) => {
            const { corpusEvents, memoryEvents, minMs } = consumerChildArgs(positionals);
            try {
                const rates = measureInMemory(buildCorpus({ events: corpusEvents }), memoryEvents, minMs);
                if (process.send) process.send({ rates });
                else process.stdout.write(`${JSON.stringify(rates)}\n`);
                return 0;
            } catch (err) {
                if (!process.send) throw err;
                process.send({ error: (err as Error).message ?? String(err) });
                return 1;
            }
        },
        1,
    );
}

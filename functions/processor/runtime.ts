/**
 * How the stream processor runs on AWS Lambda, for the code that must match
 * it outside Lambda (the consumer benchmark runs the processor's loops with
 * the same heap as Lambda gives the function). No I/O.
 */

/** The stream processor function's memory (MiB) unless the stack sets `memoryMiB` (components/analytics/StreamProcessor.ts). */
export const PROCESSOR_MEMORY_MIB = 1024;

/**
 * The V8 heap flags the AWS Lambda Node.js runtime starts a function with,
 * from its memory size (the runtime's bootstrap script): the new space a
 * tenth of the memory, each of its two semi-spaces half of that, the old
 * space the rest. 1024 MiB → `--max-semi-space-size=51 --max-old-space-size=922`.
 */
export function lambdaNodeHeapFlags(memoryMiB: number): string[] {
    if (!Number.isInteger(memoryMiB) || memoryMiB < 128 || memoryMiB > 10240) {
        throw new RangeError(`lambdaNodeHeapFlags: \`memoryMiB\` must be a Lambda memory size, an integer from 128 to 10240; received ${String(memoryMiB)}`);
    }
    const newSpace = Math.floor(memoryMiB / 10);
    return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMiB - newSpace}`];
}

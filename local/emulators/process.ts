import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import * as path from "path";

/** Asks the OS for a free TCP port on 127.0.0.1 (bound and released at once). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const address = srv.address();
            srv.close(() => {
                if (address && typeof address === "object") resolve(address.port);
                else reject(new Error("could not determine a free port"));
            });
        });
    });
}

/** Validates a TCP port option; `name` names the option in the message. */
export function checkPort(name: string, port: number | undefined): void {
    if (port === undefined) return;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`\`${name}\` must be an integer from 0 to 65535 (0 = pick a free port); received ${String(port)}.`);
    }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // Synchronous last resort when the parent exits normally or via process.exit().
    process.on("exit", () => {
        for (const child of live) {
            try {
                child.kill("SIGKILL");
            } catch {
                // already gone
            }
        }
    });
}

export interface ManagedChild {
    readonly child: ChildProcess;
    /** Output collected so far (stdout + stderr, last 64 KiB), for error messages. */
    output(): string;
    /** Resolves when the process has exited. */
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
    stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `node -r parent-guard.js <args>` so the child exits when this process
 * dies, tracks it for the exit hook, and keeps a tail of its output.
 */
export function spawnNode(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): ManagedChild {
    installExitHook();
    const guard = path.join(__dirname, "parent-guard.js");
    const child = spawn(process.execPath, ["-r", guard, ...args], {
        cwd: opts.cwd,
        env: opts.env,
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group: a Ctrl-C or `kill -TERM -<group>` aimed at the platform reaches the parent only,
        // which stops the emulator last, after everything that uses it (the parent-death guard still ends it).
        detached: true,
    });
    live.add(child);
    let out = "";
    const collect = (chunk: Buffer) => {
        out += chunk.toString("utf8");
        if (out.length > 65536) out = out.slice(-65536);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    // The pipe may break when the child dies; that is expected.
    child.stdin?.on("error", () => undefined);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.once("exit", (code, signal) => {
            live.delete(child);
            resolve({ code, signal });
        });
        child.once("error", () => {
            live.delete(child);
            resolve({ code: null, signal: null });
        });
    });
    // Do not keep the parent's event loop alive just for the child's pipes.
    for (const stream of [child.stdout, child.stderr, child.stdin]) {
        (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.unref();
    let stopping: Promise<void> | undefined;
    return {
        child,
        exited,
        output: () => out,
        stop(graceMs = 3000) {
            stopping ??= (async () => {
                if (child.exitCode !== null || child.signalCode !== null) return;
                child.kill("SIGTERM");
                const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
                await exited;
                clearTimeout(timer);
            })();
            return stopping;
        },
    };
}

/** Thrown by `waitUntilReady` when the child exits before answering (e.g. its port was taken). */
export class ExitedBeforeReadyError extends Error {}

/**
 * Polls `probe` until it resolves while the child is alive, the child exits
 * (ExitedBeforeReadyError), or `timeoutMs` passes. A probe that hangs is
 * abandoned when the child exits or the time is up.
 */
export async function waitUntilReady(what: string, managed: ManagedChild, probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    const exitedSignal = managed.exited.then(() => {
        exited = true;
        return "exited" as const;
    });
    const exitedError = () => new ExitedBeforeReadyError(`${what} exited before it was ready; output:\n${managed.output().slice(-4000)}`);
    let lastError: unknown;
    while (Date.now() < deadline) {
        if (exited) throw exitedError();
        let timer: NodeJS.Timeout | undefined;
        const timeLeft = new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now()));
        });
        try {
            const outcome = await Promise.race([probe().then(() => "ok" as const), exitedSignal, timeLeft]);
            if (outcome === "ok" && !exited) return;
            if (outcome === "exited" || exited) throw exitedError();
        } catch (err) {
            if (err instanceof ExitedBeforeReadyError) throw err;
            lastError = err;
        } finally {
            clearTimeout(timer);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    await managed.stop();
    throw new Error(`${what} was not ready within ${timeoutMs} ms (last error: ${String((lastError as Error)?.message ?? lastError)}); output:\n${managed.output().slice(-4000)}`);
}

/**
 * Runs one bench child script (`node -r ./scripts/register.js <file>`) and
 * waits for the last IPC message it sent before exiting: the plan and
 * consumer sections measure in a fresh process this way.
 */
import { fork } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");

/** Forks `file` (relative to the repository) with `args`; resolves with its last message, rejects naming `what` when it exits without one. */
export function runChildForMessage<T>(file: string, args: readonly string[], what: string, opts: { env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {}): Promise<T> {
    const child = fork(path.join(REPO, file), [...args], {
        cwd: REPO,
        env: opts.env ?? process.env,
        execArgv: [...(opts.nodeFlags ?? []), "-r", path.join(REPO, "scripts/register.js")],
        stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    return new Promise<T>((resolve, reject) => {
        let got: T | undefined;
        child.on("message", (m: T) => (got = m));
        child.once("exit", (code) => (got !== undefined ? resolve(got) : reject(new Error(`${what} exited with code ${code} without a result`))));
    });
}

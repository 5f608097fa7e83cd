/**
 * `--reset` and the data folder's lock (local/platform.ts): only what the
 * platform created is removed, never while another instance runs on the
 * folder, and a stale lock (its pid is gone) is detected.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { LOCK_FILE, MARKER_FILE, PLATFORM_ENTRIES, acquireLock, resetDir, startPlatform } from "../../local/platform";

function platformFolder(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-"));
    fs.writeFileSync(path.join(dir, MARKER_FILE), JSON.stringify({ createdBy: "test", entries: PLATFORM_ENTRIES }));
    for (const d of ["kinesis", "s3/flightstream-local-lake", "db", "esm", "lake-wal"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, "db", "PG_VERSION"), "17");
    fs.writeFileSync(path.join(dir, "stream-journal.jsonl"), "");
    return dir;
}

/** A live process that is not this one (its pid goes into a lock). */
function liveProcess(): ChildProcess {
    return spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
}

async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((r) => child.once("exit", r));
    return child.pid!;
}

describe("--reset and the data folder lock (local/platform.ts)", function () {
    this.timeout(30000);
    const dirs: string[] = [];
    const children: ChildProcess[] = [];
    afterEach(() => {
        for (const c of children.splice(0)) c.kill("SIGKILL");
        for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });

    it("removes only the entries of the platform's manifest and says what it removed and kept", () => {
        const dir = platformFolder();
        dirs.push(dir);
        fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
        const report = resetDir(dir);
        expect(report.removed.sort()).to.deep.equal(["db", "esm", "kinesis", "lake-wal", "s3", "stream-journal.jsonl"]);
        expect(report.kept).to.deep.equal(["notes.txt"]);
        expect(fs.readdirSync(dir).sort()).to.deep.equal([MARKER_FILE, "notes.txt"]);
    });

    it("fails when the folder has no platform marker: user folders named db/ and s3/ are left alone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-user-"));
        dirs.push(dir);
        fs.mkdirSync(path.join(dir, "db"));
        fs.mkdirSync(path.join(dir, "s3"));
        fs.writeFileSync(path.join(dir, "db", "customers.sqlite"), "precious");
        fs.writeFileSync(path.join(dir, "s3", "backup.tar"), "precious");
        expect(() => resetDir(dir)).to.throw(
            `refusing to reset ${dir}: it has no valid ${MARKER_FILE} (the file is missing), so the local platform did not create it; it holds "db", "s3". Point --dir at a folder the platform created, or delete it yourself.`,
        );
        expect(fs.readFileSync(path.join(dir, "db", "customers.sqlite"), "utf8")).to.equal("precious");
        expect(fs.readFileSync(path.join(dir, "s3", "backup.tar"), "utf8")).to.equal("precious");
    });

    it("fails when the marker is edited to list a user file: only names the platform writes are ever removed", () => {
        const dir = platformFolder();
        dirs.push(dir);
        fs.writeFileSync(path.join(dir, MARKER_FILE), JSON.stringify({ entries: [...PLATFORM_ENTRIES, "thesis.docx"] }));
        fs.writeFileSync(path.join(dir, "thesis.docx"), "precious");
        const report = resetDir(dir);
        expect(report.kept).to.deep.equal(["thesis.docx"]);
        expect(fs.readFileSync(path.join(dir, "thesis.docx"), "utf8")).to.equal("precious");
    });

    it("fails when another running instance holds the folder's lock, and deletes nothing", async () => {
        const dir = platformFolder();
        dirs.push(dir);
        const other = liveProcess();
        children.push(other);
        fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid, startedAt: "2026-12-01T10:00:00.000Z" }));
        const before = fs.readdirSync(dir).sort();
        expect(() => resetDir(dir)).to.throw(`refusing to reset ${dir}: a local platform is running on it (pid ${other.pid}, started 2026-12-01T10:00:00.000Z); stop it first (Ctrl-C in its terminal, or kill ${other.pid}).`);
        expect(fs.readdirSync(dir).sort()).to.deep.equal(before);
        // A second platform on the same folder is refused too (before any emulator starts).
        let err: Error | undefined;
        try {
            await startPlatform({ dir, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0 });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`${dir} is in use by another local platform (pid ${other.pid}, started 2026-12-01T10:00:00.000Z); stop it first, or use another --dir.`);
        expect(fs.readdirSync(dir).sort()).to.deep.equal(before);
    });

    it("detects a stale lock (its pid is not running): reset proceeds and the lock is taken over", async () => {
        const dir = platformFolder();
        dirs.push(dir);
        const pid = await deadPid();
        fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, startedAt: "2026-12-01T09:00:00.000Z" }));
        const report = resetDir(dir);
        expect(report.removed).to.include(LOCK_FILE);
        fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, startedAt: "2026-12-01T09:00:00.000Z" }));
        const lines: string[] = [];
        const release = acquireLock(dir, (l) => lines.push(l));
        expect(lines).to.deep.equal([`removing a stale lock on ${dir} (pid ${pid}, not running)`]);
        expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid).to.equal(process.pid);
        release();
        expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false);
    });
});

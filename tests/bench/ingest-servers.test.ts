/**
 * The ingestion benchmark's servers as the benchmark runs them: esbuild
 * bundles under plain node (bench/ingest.ts buildServerBundles), the real one
 * loading the service's image bundle. Each answers what it claims to do; the
 * floor server's 202 comes only after its frames reached the sink. No timing
 * is asserted.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCorpus, requestTemplates, stampBody } from "../../bench/corpus";
import { buildServerBundles, startChild, stopChild, type Child } from "../../bench/ingest";
import { BENCH_SOURCE } from "../../bench/ingest-source";
import { startKinesisSink, type HttpKinesisSink } from "../../bench/sink";
import type { FlightEvent } from "../../functions/shared/events";

async function post(child: Child, body: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${child.url}/v1/events`, { method: "POST", headers: child.headers, body });
    return { status: res.status, body: await res.json() };
}

describe("bench: the ingestion servers, bundled as the benchmark runs them", function () {
    this.timeout(60000);
    let dir: string;
    let server: string;
    let sink: HttpKinesisSink;
    const children: Child[] = [];
    // Dated now: the real service refuses occurredAt outside its window.
    const events = buildCorpus({ events: 100 }).events.map((e, i) => ({ ...e, source: BENCH_SOURCE, occurredAt: new Date(Date.now() - 60000 + i).toISOString() }) as FlightEvent);
    const [first, second] = requestTemplates(events, 50);

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-servers-test-"));
        ({ server } = await buildServerBundles(dir));
        sink = await startKinesisSink({ shards: 4 });
    });

    after(async () => {
        for (const c of children) await stopChild(c);
        await sink?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    afterEach(() => sink.reset());

    it("floor: answers 202 only once the request's events are in the sink, as deflated frames", async () => {
        const floor = await startChild("floor", sink.endpoint, false, server);
        children.push(floor);
        const res = await post(floor, stampBody(first, "f1"));
        const atAnswer = sink.verify();
        expect(res).to.deep.equal({ status: 202, body: { accepted: 50 } });
        expect({ events: atAnswer.events, distinct: atAnswer.distinctEventIds }).to.deep.equal({ events: 50, distinct: 50 });
        expect([...atAnswer.eventIds].every((id) => id.endsWith("~f1"))).to.equal(true);
        // Frames, not one record per event: fewer user records than events.
        expect(atAnswer.userRecords).to.be.below(50);
    });

    it("floor: refuses a body that is not JSON with 400 naming the problem, and writes nothing", async () => {
        const floor = children[0];
        const res = await post(floor, "{not json");
        expect(res.status).to.equal(400);
        expect(JSON.stringify(res.body)).to.contain("body is not valid JSON");
        expect(sink.verify().events).to.equal(0);
    });

    it("real: the service from its image bundle accepts a 50-event request with the bench key and writes each event once", async () => {
        const real = await startChild("real", sink.endpoint, false, server);
        children.push(real);
        expect(real.headers.authorization).to.match(/^Bearer fsk_/);
        const res = await post(real, stampBody(second, "r1"));
        expect(res.status).to.equal(202);
        const contents = sink.verify();
        expect({ events: contents.events, distinct: contents.distinctEventIds }).to.deep.equal({ events: 50, distinct: 50 });
    });

    it("bare: answers 202 with the event count and writes nothing", async () => {
        const bare = await startChild("bare", "", false, server);
        children.push(bare);
        expect(await post(bare, stampBody(first, "b1"))).to.deep.equal({ status: 202, body: { accepted: 50 } });
        expect(sink.verify().events).to.equal(0);
    });
});

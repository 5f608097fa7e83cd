import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { sageMakerBackend } from "../../functions/scoring/sagemaker";
import { scoringFromEnv } from "../../functions/scoring/config";

/** A local stand-in of the SageMaker runtime API: records requests, answers what the test says. */
function standIn(answer: (path: string, body: any) => { status: number; body: string; headers?: Record<string, string> }) {
    const requests: { path: string; headers: http.IncomingHttpHeaders; body: any }[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            requests.push({ path: req.url ?? "", headers: req.headers, body });
            const a = answer(req.url ?? "", body);
            res.writeHead(a.status, { "content-type": "application/json", ...(a.headers ?? {}) });
            res.end(a.body);
        });
    });
    return {
        requests,
        async start(): Promise<string> {
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        },
        stop: () => new Promise<void>((r) => server.close(() => r())),
    };
}

const creds = { accessKeyId: "test", secretAccessKey: "test" };
const deals = [
    { price: 75, sampleSize: 30, routeMean: 100, routeStddev: 10 },
    { price: 99, sampleSize: 30, routeMean: 100, routeStddev: 10 },
];
const prices = [{ price: 100, searchesPerHour: 120, seatsHeld: 150, routeMean: 110, sampleSize: 40 }];

describe("scoring: SageMaker real-time endpoint backend (local stand-in through the client's endpoint)", () => {
    let server: ReturnType<typeof standIn>;
    let client: SageMakerRuntimeClient;
    let mode: "ok" | "short" | "garbage" | "500" = "ok";
    let endpoint: string;

    before(async () => {
        server = standIn((_p, body) => {
            if (mode === "500") return { status: 500, body: JSON.stringify({ message: "model crashed" }), headers: { "x-amzn-errortype": "ModelError" } };
            if (mode === "garbage") return { status: 200, body: "<html>" };
            const n = mode === "short" ? body.instances.length - 1 : body.instances.length;
            const predictions =
                body.task === "deals"
                    ? body.instances.slice(0, n).map((f: any) => ({ deal: f.price < 80, score: (f.routeMean - f.price) / f.routeStddev, reason: "stand-in" }))
                    : body.instances.slice(0, n).map(() => ({ adjustment: 0.07, reason: "stand-in price" }));
            return { status: 200, body: JSON.stringify({ predictions, modelVersion: "xgb-7" }) };
        });
        endpoint = await server.start();
        client = new SageMakerRuntimeClient({ endpoint, region: "eu-west-1", credentials: creds, maxAttempts: 1 });
    });
    after(async () => {
        client.destroy();
        await server.stop();
    });
    beforeEach(() => {
        mode = "ok";
        server.requests.length = 0;
    });

    it("invokes the endpoint with the JSON contract and returns one score per offer, naming the model", async () => {
        const b = sageMakerBackend({ client, endpointName: "fs-prod-scoring" });
        expect(await b.scoreDeals(deals)).to.deep.equal([
            { deal: true, score: 2.5, reason: "stand-in", model: "sagemaker:fs-prod-scoring:xgb-7" },
            { deal: false, score: 0.1, reason: "stand-in", model: "sagemaker:fs-prod-scoring:xgb-7" },
        ]);
        expect(await b.scorePrices(prices)).to.deep.equal([{ adjustment: 0.07, suggestedAmount: 107, reason: "stand-in price", model: "sagemaker:fs-prod-scoring:xgb-7" }]);
        expect(server.requests.map((r) => r.path)).to.deep.equal(["/endpoints/fs-prod-scoring/invocations", "/endpoints/fs-prod-scoring/invocations"]);
        expect(server.requests[0].headers["content-type"]).to.equal("application/json");
        expect(server.requests[0].body).to.deep.equal({ task: "deals", instances: deals });
        expect(server.requests[1].body).to.deep.equal({ task: "prices", instances: prices });
    });

    it("splits large batches into requests of batchSize instances", async () => {
        const b = sageMakerBackend({ client, endpointName: "fs", batchSize: 2 });
        const many = Array.from({ length: 5 }, (_, i) => ({ ...deals[0], price: 70 + i }));
        expect((await b.scoreDeals(many)).map((s) => s.deal)).to.deep.equal([true, true, true, true, true]);
        expect(server.requests.map((r) => r.body.instances.length)).to.deep.equal([2, 2, 1]);
    });

    it("sends nothing for no offers", async () => {
        expect(await sageMakerBackend({ client, endpointName: "fs" }).scoreDeals([])).to.deep.equal([]);
        expect(server.requests).to.have.length(0);
    });

    it("fails when the endpoint returns fewer predictions than instances", async () => {
        mode = "short";
        const err = await sageMakerBackend({ client, endpointName: "fs" })
            .scoreDeals(deals)
            .catch((e) => e);
        expect(err.message).to.equal("SageMaker endpoint fs returned 1 deals predictions for 2 instances.");
    });

    it("fails when the endpoint answers with a body that is not JSON", async () => {
        mode = "garbage";
        const err = await sageMakerBackend({ client, endpointName: "fs" })
            .scorePrices(prices)
            .catch((e) => e);
        expect(err.message).to.equal('SageMaker endpoint fs answered prices with a body that is not JSON (received "<html>").');
    });

    it("fails over to the built-in model through SCORING_BACKEND=sagemaker when the endpoint errors (the model says so)", async () => {
        mode = "500";
        const why: string[] = [];
        const b = scoringFromEnv({ SCORING_BACKEND: "sagemaker", SCORING_ENDPOINT_NAME: "fs-prod-scoring" }, { sageMakerClient: client, onError: (e, what) => why.push(`${what}: ${(e as Error).name}`) });
        expect(b.name).to.equal("sagemaker:fs-prod-scoring");
        const out = await b.scoreDeals(deals);
        expect(out.map((s) => [s.deal, s.model])).to.deep.equal([
            [true, "builtin:baseline (fallback)"],
            [false, "builtin:baseline (fallback)"],
        ]);
        expect(why).to.deep.equal(["sagemaker deals: ModelError"]);
        mode = "ok";
        expect((await b.scoreDeals(deals))[0].model).to.equal("sagemaker:fs-prod-scoring:xgb-7");
    });

    it("reaches the stand-in through SAGEMAKER_ENDPOINT (the env path the processor uses)", async () => {
        process.env.AWS_ACCESS_KEY_ID ??= "test";
        process.env.AWS_SECRET_ACCESS_KEY ??= "test";
        const why: unknown[] = [];
        const b = scoringFromEnv({ SCORING_BACKEND: "sagemaker", SCORING_ENDPOINT_NAME: "fs-env", SAGEMAKER_ENDPOINT: endpoint, AWS_REGION: "eu-west-1" }, { onError: (e) => why.push(e) });
        expect((await b.scorePrices(prices))[0].model).to.equal("sagemaker:fs-env:xgb-7");
        expect(why).to.deep.equal([]);
        expect(server.requests.map((r) => r.path)).to.deep.equal(["/endpoints/fs-env/invocations"]);
    });
});

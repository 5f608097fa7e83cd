import { expect } from "chai";
import { parseStackConfig } from "../../stack/config";
import { configProblems, rawStackConfig } from "../helpers/config";

const problems = configProblems;

describe("stack config: analytics.scoring", () => {
    it("parses the prod placeholders; dev has no scoring endpoint", () => {
        expect(parseStackConfig(rawStackConfig("prod"), "prod").analytics.scoring).to.deep.equal({
            image: "403456789012.dkr.ecr.eu-west-1.amazonaws.com/flightstream-scoring:placeholder",
            artifactKey: "models/scoring/sagemaker/placeholder/model.tar.gz",
            instanceType: "ml.c6i.large",
            minInstances: 2,
            maxInstances: 6,
            targetInvocationsPerInstance: 1000,
        });
        expect(parseStackConfig(rawStackConfig("dev"), "dev").analytics.scoring).to.equal(undefined);
    });

    it("applies the defaults (2 instances in prod, 1 elsewhere)", () => {
        const raw = rawStackConfig("dev");
        raw.analytics = { ...(raw.analytics ?? {}), scoring: { image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/s:1", artifactKey: "models/s/model.tar.gz" } };
        expect(parseStackConfig(raw, "dev").analytics.scoring).to.deep.equal({
            image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/s:1",
            artifactKey: "models/s/model.tar.gz",
            instanceType: "ml.c6i.large",
            minInstances: 1,
            maxInstances: 4,
            targetInvocationsPerInstance: 1000,
        });
    });

    it("fails when the image, the artifact key, the instance counts or an unknown key are wrong, naming each", () => {
        const raw = rawStackConfig("prod");
        raw.analytics.scoring = { image: "scoring:latest", artifactKey: "model.bin", minInstances: 3, maxInstances: 2, endpointName: "x" };
        expect(problems(raw)).to.deep.equal([
            '`analytics.scoring.endpointName` must be absent (known keys: image, artifactKey, instanceType, minInstances, maxInstances, targetInvocationsPerInstance) (received "x").',
            "`analytics.scoring.maxInstances` must be at least `analytics.scoring.minInstances` (3) (received 2).",
            '`analytics.scoring.image` must be an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>) (received "scoring:latest").',
            '`analytics.scoring.artifactKey` must be a key under models/ in the lake bucket ending in .tar.gz (received "model.bin").',
        ]);
    });
});

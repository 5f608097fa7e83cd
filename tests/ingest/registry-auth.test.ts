import { expect } from "chai";
import { IngestionService, IngestionServiceArgs } from "@flightstream/components/ingestion";
import { planStack } from "../../plan/stack";
import { evaluate, one, testProvider, type ProgramResult } from "../helpers/pulumi";

/** The image push authenticates from the stack: no `docker login` before `pulumi up`. */
function args(overrides: Partial<IngestionServiceArgs> = {}): IngestionServiceArgs {
    return {
        accountId: "222222222222",
        region: "eu-west-1",
        domainName: "ingest.example.com",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        streamName: "flights",
        streamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/flights",
        streamKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-1111-2222-3333-444455556666",
        ...overrides,
    };
}

/** Pulumi's wire marker of a secret value (the mock engine sees inputs serialized). */
const SECRET = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({ [SECRET]: "1b47061264138c4ac30d75fd1eb44270", value });

function build(overrides: Partial<IngestionServiceArgs> = {}): Promise<ProgramResult> {
    return evaluate(() => {
        // A second provider in another account: the token must come from the component's own (ingestion) provider.
        testProvider("other", "333333333333", "us-west-2");
        new IngestionService("ingest", args(overrides), { provider: testProvider("ingestion", "222222222222", "eu-west-1") });
    });
}

describe("IngestionService image push credentials", () => {
    it("authenticates to the repository's registry with an ECR token read through the ingestion account's provider", async () => {
        const res = await build();
        const image = one(res, "docker-build:index:Image");
        expect(one(res, "aws:ecr/repository:Repository").outputs.repositoryUrl).to.match(/^222222222222\.dkr\.ecr\.eu-west-1\.amazonaws\.com\//);
        // The password is a secret, so the whole list is (it is encrypted in the state).
        expect(image.inputs.registries).to.deep.equal(secret([{ address: "222222222222.dkr.ecr.eu-west-1.amazonaws.com", username: "AWS", password: "mock-ecr-token-222222222222-eu-west-1" }]));
    });

    it("uses `registryAuth` instead of the ECR token when it is given", async () => {
        const res = await build({ registryAuth: { username: "robot", password: "s3cret" } });
        expect(one(res, "docker-build:index:Image").inputs.registries).to.deep.equal(secret([{ address: "222222222222.dkr.ecr.eu-west-1.amazonaws.com", username: "robot", password: "s3cret" }]));
    });

    it("builds nothing and reads no token when a prebuilt image is given", async () => {
        const res = await build({ image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/ingest:abc" });
        expect(res.resources.filter((r) => r.type === "docker-build:index:Image")).to.have.length(0);
    });

    for (const stack of ["dev", "prod"]) {
        it(`the ${stack} plan pushes the ingestion image with credentials for the ingestion account's registry`, async () => {
            const res = await planStack(stack);
            const image = one(res, "docker-build:index:Image");
            const repo = one(res, "aws:ecr/repository:Repository");
            const host = String(repo.outputs.repositoryUrl).split("/")[0];
            expect(host).to.equal(`${repo.account}.dkr.ecr.${repo.region}.amazonaws.com`);
            expect(repo.accountName).to.equal("ingestion");
            expect(image.inputs.registries).to.deep.equal(secret([{ address: host, username: "AWS", password: `mock-ecr-token-${repo.account}-${repo.region}` }]));
        });
    }
});

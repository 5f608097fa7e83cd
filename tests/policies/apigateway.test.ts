import { expect } from "chai";
import routeAuth from "../../policies/rules/apigateway/ApiRouteAuthorization";
import stageLogs from "../../policies/rules/apigateway/ApiStageAccessLogs";
import { messages, res } from "./helpers";

const ROUTE = "aws:apigatewayv2/route:Route";
const STAGE = "aws:apigatewayv2/stage:Stage";
const route = (over: Record<string, any> = {}) => res(ROUTE, "top", { apiId: "a", routeKey: "GET /v1/routes/top", target: "integrations/i", authorizationType: "AWS_IAM", ...over });

describe("apigateway-route-authorization", () => {
    it("Compliance: AWS_IAM and JWT routes, REST method with AWS_IAM", async () => {
        expect(await messages(routeAuth, route(), route({ authorizationType: "JWT", authorizerId: "j" }), res("aws:apigateway/method:Method", "get", { httpMethod: "GET", authorization: "AWS_IAM" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a route sets NONE", async () => {
        expect(await messages(routeAuth, route({ authorizationType: "NONE" }))).to.deep.equal([`route "GET /v1/routes/top" has authorizationType "NONE"; set "AWS_IAM", "JWT" or "CUSTOM".`]);
    });
    it("Noncompliance 2: fails when a route leaves it unset", async () => {
        expect(await messages(routeAuth, route({ authorizationType: undefined }))).to.deep.equal([`route "GET /v1/routes/top" has authorizationType not set (default "NONE"); set "AWS_IAM", "JWT" or "CUSTOM".`]);
    });
    it("Noncompliance 3: fails when a REST method has authorization NONE", async () => {
        expect(await messages(routeAuth, res("aws:apigateway/method:Method", "get", { httpMethod: "GET", authorization: "NONE" }))).to.deep.equal([`method "GET" has authorization "NONE"; use "AWS_IAM", "CUSTOM" or "COGNITO_USER_POOLS".`]);
    });
});

describe("apigateway-stage-access-logs", () => {
    const settings = { destinationArn: "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/apigateway/x/access", format: '{"requestId":"$context.requestId"}' };
    it("Compliance: v2 and REST stages with access logs", async () => {
        expect(
            await messages(
                stageLogs,
                res(STAGE, "s", { apiId: "a", name: "$default", accessLogSettings: settings }),
                res("aws:apigateway/stage:Stage", "r", { restApi: "r", stageName: "prod", deployment: "d", accessLogSettings: settings }),
            ),
        ).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when accessLogSettings is missing", async () => {
        expect(await messages(stageLogs, res(STAGE, "s", { apiId: "a", name: "$default" }))).to.deep.equal(["accessLogSettings is not set; send access logs to a log group."]);
    });
    it("Noncompliance 2: fails when the destination is missing", async () => {
        expect(await messages(stageLogs, res(STAGE, "s", { apiId: "a", accessLogSettings: { format: "$context.requestId" } }))).to.deep.equal(["accessLogSettings.destinationArn is not set; send access logs to a log group."]);
    });
    it("Noncompliance 3: fails when the format is missing", async () => {
        expect(await messages(stageLogs, res(STAGE, "s", { apiId: "a", accessLogSettings: { destinationArn: settings.destinationArn } }))).to.deep.equal([
            "accessLogSettings.format is not set; give the log format (request id, caller, route, status).",
        ]);
    });
});

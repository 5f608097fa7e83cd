import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "apigateway-stage-access-logs",
    description: "API Gateway stages (v2 and REST) set accessLogSettings with a destinationArn and a format.",
    enforcementLevel: "mandatory" as const,
    why: "Access logs are the record of who called the API, from where and with what result; without them an abuse or leak cannot be investigated.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-APIG1"],
        checkov: ["CKV_AWS_76 (REST)", "CKV_AWS_95 (v2)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["API_GW_EXECUTION_LOGGING_ENABLED (execution logs)"],
        securityHub: ["APIGateway.9 (v2)", "APIGateway.1 (REST execution logs)"],
    },
};

const TYPES = ["aws:apigatewayv2/stage:Stage", "aws:apigateway/stage:Stage"];

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (!TYPES.includes(args.type)) args.notApplicable("Policy only applies to API Gateway stages");
    const s = args.props.accessLogSettings;
    if (!s?.destinationArn) reportViolation(`accessLogSettings${s ? ".destinationArn" : ""} is not set; send access logs to a log group.`);
    else if (!s.format) reportViolation(`accessLogSettings.format is not set; give the log format (request id, caller, route, status).`);
}

export default resourceRule(meta, check);

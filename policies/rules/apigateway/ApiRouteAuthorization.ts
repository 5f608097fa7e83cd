import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "apigateway-route-authorization",
    description: "API Gateway v2 routes set authorizationType AWS_IAM, JWT or CUSTOM, and REST API methods set authorization other than NONE.",
    enforcementLevel: "mandatory" as const,
    why: "The insights API serves confidential aggregates; a route without authorization is readable by anyone who finds the URL.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-APIG4"],
        checkov: ["CKV_AWS_309 (v2 routes)", "CKV_AWS_59 (REST methods)"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (args.type === "aws:apigatewayv2/route:Route") {
        const t = args.props.authorizationType;
        if (t === undefined || t === null || t === "NONE")
            reportViolation(`route ${q(args.props.routeKey ?? args.name)} has authorizationType ${t === undefined || t === null ? 'not set (default "NONE")' : q(t)}; set "AWS_IAM", "JWT" or "CUSTOM".`);
        return;
    }
    if (args.type !== "aws:apigateway/method:Method") args.notApplicable("Policy only applies to API Gateway routes and methods");
    if (args.props.authorization === "NONE") reportViolation(`method ${q(args.props.httpMethod ?? args.name)} has authorization "NONE"; use "AWS_IAM", "CUSTOM" or "COGNITO_USER_POOLS".`);
}

export default resourceRule(meta, check);

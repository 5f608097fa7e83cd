import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "lambda-function-url-auth",
    description: 'Lambda function URLs set authorizationType "AWS_IAM" (not "NONE").',
    enforcementLevel: "mandatory" as const,
    why: "A function URL with NONE is a public HTTPS endpoint that invokes the function for anyone on the internet, outside the load balancer, WAF and API authorization.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_258"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

export const check = validateResourceOfType(aws.lambda.FunctionUrl, (url, _args, reportViolation) => {
    if (url.authorizationType !== "AWS_IAM") reportViolation(`authorizationType is ${q(url.authorizationType ?? null)}; set "AWS_IAM" so only signed requests invoke the function.`);
});

export default resourceRule(meta, check);

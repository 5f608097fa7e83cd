import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule } from "../../lib/rule";

/**
 * Runtimes AWS Lambda has deprecated, with the date support ended (AWS Lambda
 * "Runtime deprecation policy" table, docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html,
 * as of 2026-11). After deprecation AWS blocks creating, then updating, such functions.
 */
export const DEPRECATED_RUNTIMES: Record<string, string> = {
    "nodejs20.x": "2026-04-30",
    "nodejs18.x": "2025-09-01",
    "nodejs16.x": "2024-06-12",
    "nodejs14.x": "2023-12-04",
    "python3.9": "2025-12-15",
    "python3.8": "2024-10-14",
    "java8": "2024-01-08",
    "go1.x": "2024-01-08",
    "provided": "2024-01-08",
    "ruby3.2": "2026-03-31",
    "dotnet6": "2024-12-20",
};

export const meta = {
    id: "lambda-supported-runtime",
    description: "Lambda functions with a managed runtime use one AWS still supports (not past its deprecation date).",
    enforcementLevel: "mandatory" as const,
    why: "A deprecated runtime gets no security patches, and AWS blocks creating and then updating functions on it, so a fix could not be deployed.",
    publicRuleSets: { cdkNag: ["AwsSolutions-L1"], checkov: ["CKV_AWS_363"], pulumiPolicyAws: [], awsConfig: ["lambda-function-settings-check (runtime list)"], securityHub: ["Lambda.2"] },
};

export const check = validateResourceOfType(aws.lambda.Function, (fn, args, reportViolation) => {
    const runtime = fn.runtime;
    if (typeof runtime !== "string" || runtime === "") args.notApplicable("The function has no managed runtime (container image)");
    const ended = DEPRECATED_RUNTIMES[runtime as string];
    if (ended !== undefined) reportViolation(`runtime "${runtime}" reached end of support on ${ended}; move to a supported runtime such as "nodejs22.x".`);
});

export default resourceRule(meta, check);

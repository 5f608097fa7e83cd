import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";

export const meta = {
    id: "lambda-kinesis-mapping-failure-handling",
    description: "Lambda event source mappings reading a Kinesis stream set bisectBatchOnFunctionError true and a destinationConfig.onFailure destination.",
    enforcementLevel: "advisory" as const,
    why: "Without bisect one poison record blocks its shard until it expires; without an on-failure destination the records skipped after retries are lost silently.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

export const check = validateResourceOfType(aws.lambda.EventSourceMapping, (esm, args, reportViolation) => {
    const src = esm.eventSourceArn;
    if (typeof src !== "string" || !/^arn:aws[a-z-]*:kinesis:/.test(src)) args.notApplicable("The mapping does not read a Kinesis stream");
    if (esm.bisectBatchOnFunctionError !== true) reportViolation(`bisectBatchOnFunctionError is not true; a failing record blocks its shard.`);
    if (!esm.destinationConfig?.onFailure?.destinationArn) reportViolation(`destinationConfig.onFailure.destinationArn is not set; failed batches would be dropped.`);
});

export default resourceRule(meta, check);

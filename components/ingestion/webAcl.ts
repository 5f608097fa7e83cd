/**
 * AWS WAF v2 on the ALB (REGIONAL): IP reputation, a per-IP rate limit, the
 * request-size rule on `content-length` (waf.ts explains why not the body),
 * per-vendor request counters and rate limits scoped to the vendor's host
 * header, the AWS common and known-bad-inputs rule groups; logs to the
 * KMS-encrypted `aws-waf-logs-<stack>-<name>` with the Authorization header
 * redacted. Children of the IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ingestionLogGroupNames } from "./keys";
import type { IngestionSettings } from "./settings";

/** AWS managed rule groups on the ingestion web ACL, in evaluation order after the custom rules. */
export const WAF_MANAGED_RULE_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] as const;

/** WAF rule names of a vendor: request counter and rate limit (the `Rule` dimension of their metrics). */
export function vendorRuleNames(vendor: string): { countRuleName: string; rateRuleName: string } {
    return { countRuleName: `vendor-${vendor}-requests`, rateRuleName: `vendor-${vendor}-rate` };
}

export interface IngestionWebAcl {
    readonly webAcl: aws.wafv2.WebAcl;
    readonly wafLogGroup: aws.cloudwatch.LogGroup;
}

export function ingestionWebAcl(scope: pulumi.Resource, name: string, s: IngestionSettings, loadBalancer: aws.lb.LoadBalancer, keyArn: pulumi.Input<string>): IngestionWebAcl {
    const parent = { parent: scope };
    const names = ingestionLogGroupNames(name);
    const wafName = names.wafAclName;
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const hostIs = (host: string) => ({
        byteMatchStatement: {
            fieldToMatch: { singleHeader: { name: "host" } },
            positionalConstraint: "EXACTLY",
            searchString: host,
            textTransformations: [{ priority: 0, type: "LOWERCASE" }],
        },
    });
    const vendorRules = s.vendors.flatMap((vendor, i) => {
        const host = s.vendorHosts[i];
        const rules = vendorRuleNames(vendor.name);
        return [
            { name: rules.countRuleName, priority: 30 + 2 * i, action: { count: {} }, statement: hostIs(host), visibilityConfig: visibility(rules.countRuleName) },
            {
                name: rules.rateRuleName,
                priority: 31 + 2 * i,
                action: { block: {} },
                statement: { rateBasedStatement: { limit: vendor.rateLimitPerFiveMinutes ?? 300000, evaluationWindowSec: 300, aggregateKeyType: "CONSTANT", scopeDownStatement: hostIs(host) } },
                visibilityConfig: visibility(rules.rateRuleName),
            },
        ];
    });
    const managedRule = (group: (typeof WAF_MANAGED_RULE_GROUPS)[number], priority: number) => ({
        name: group,
        priority,
        overrideAction: { none: {} },
        statement: {
            managedRuleGroupStatement: {
                vendorName: "AWS",
                name: group,
                // The common rule set blocks bodies above 8 KB (SizeRestrictions_BODY); batches are
                // up to `maxBodyBytes`, bounded by the "body-size" rule and the service, so count only.
                ...(group === "AWSManagedRulesCommonRuleSet" ? { ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] } : {}),
            },
        },
        visibilityConfig: visibility(group),
    });
    const webAcl = new aws.wafv2.WebAcl(
        `${name}-waf`,
        {
            name: wafName,
            description: `${name}: ingestion front door (managed rules, rate limits, request size)`,
            scope: "REGIONAL",
            defaultAction: { allow: {} },
            rules: [
                managedRule("AWSManagedRulesAmazonIpReputationList", 0),
                {
                    name: "per-ip-rate",
                    priority: 10,
                    action: { block: {} },
                    statement: { rateBasedStatement: { limit: s.wafRateLimitPerIp, evaluationWindowSec: 300, aggregateKeyType: "IP" } },
                    visibilityConfig: visibility("per-ip-rate"),
                },
                {
                    name: "body-size",
                    priority: 20,
                    action: { block: {} },
                    statement: {
                        regexMatchStatement: {
                            regexString: s.bodySizePattern,
                            fieldToMatch: { singleHeader: { name: "content-length" } },
                            textTransformations: [{ priority: 0, type: "NONE" }],
                        },
                    },
                    visibilityConfig: visibility("body-size"),
                },
                ...vendorRules,
                managedRule("AWSManagedRulesCommonRuleSet", 100),
                managedRule("AWSManagedRulesKnownBadInputsRuleSet", 110),
            ],
            visibilityConfig: visibility(wafName),
            tags: s.tags,
        },
        parent,
    );
    new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: loadBalancer.arn, webAclArn: webAcl.arn }, parent);
    const wafLogGroup = new aws.cloudwatch.LogGroup(`${name}-waf-logs`, { name: names.waf, retentionInDays: s.logRetentionDays, kmsKeyId: keyArn, tags: s.tags }, parent);
    new aws.wafv2.WebAclLoggingConfiguration(
        `${name}-waf`,
        {
            resourceArn: webAcl.arn,
            logDestinationConfigs: [wafLogGroup.arn],
            // Bearer keys never reach the logs.
            redactedFields: [{ singleHeader: { name: "authorization" } }],
        },
        parent,
    );
    return { webAcl, wafLogGroup };
}

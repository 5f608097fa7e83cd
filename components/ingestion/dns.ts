/**
 * DNS of the front door: the ACM certificate (the domain and every vendor host,
 * validated by Route 53 records), the Route 53 health check on this ALB and the
 * alias records (simple, weighted, latency or failover routing). Children of the
 * IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { IngestionServiceArgs } from "./IngestionService";
import type { IngestionSettings } from "./settings";

export interface IngestionCertificate {
    readonly certificate: aws.acm.Certificate;
    readonly certificateValidation: aws.acm.CertificateValidation;
}

export function ingestionCertificate(scope: pulumi.Resource, name: string, args: IngestionServiceArgs, s: IngestionSettings): IngestionCertificate {
    const parent = { parent: scope };
    const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        {
            domainName: args.domainName,
            ...(s.vendorHosts.length > 0 ? { subjectAlternativeNames: [...s.vendorHosts] } : {}),
            validationMethod: "DNS",
            keyAlgorithm: "EC_prime256v1",
            tags: s.tags,
        },
        parent,
    );
    // One validation record per name, found by domain (ACM does not order the options).
    const validationRecords = [args.domainName, ...s.vendorHosts].map((domain, i) => {
        const option = certificate.domainValidationOptions.apply((options) => {
            const o = options.find((x) => x.domainName === domain);
            if (!o) throw new Error(`IngestionService ${name}: ACM returned no validation option for ${domain}`);
            return o;
        });
        return new aws.route53.Record(
            i === 0 ? `${name}-cert-validation` : `${name}-cert-validation-${s.vendors[i - 1].name}`,
            {
                zoneId: args.hostedZoneId,
                name: option.apply((o) => o.resourceRecordName!),
                type: option.apply((o) => o.resourceRecordType!),
                records: [option.apply((o) => o.resourceRecordValue!)],
                ttl: 300,
                allowOverwrite: true,
            },
            parent,
        );
    });
    const certificateValidation = new aws.acm.CertificateValidation(
        `${name}-cert-validation`,
        {
            certificateArn: certificate.arn,
            validationRecordFqdns: validationRecords.map((r) => r.fqdn),
        },
        parent,
    );
    return { certificate, certificateValidation };
}

/**
 * The health check on this ALB's own name (not the shared record), so weighted and
 * failover routing judge each endpoint separately. Route 53 does not verify the
 * certificate of HTTPS checks. With `usEast1Provider` it is created there (the only
 * region that publishes HealthCheckStatus).
 */
export function ingestionHealthCheck(scope: pulumi.Resource, name: string, args: IngestionServiceArgs, s: IngestionSettings, loadBalancer: aws.lb.LoadBalancer): aws.route53.HealthCheck {
    return new aws.route53.HealthCheck(
        `${name}-health`,
        {
            type: "HTTPS",
            fqdn: loadBalancer.dnsName,
            port: 443,
            resourcePath: "/healthz",
            enableSni: true,
            failureThreshold: args.healthCheckFailureThreshold ?? 3,
            requestInterval: args.healthCheckIntervalSeconds ?? 30,
            measureLatency: true,
            tags: { ...s.tags, Name: `${name}-healthz` },
        },
        { parent: scope, ...(args.usEast1Provider ? { provider: args.usEast1Provider } : {}) },
    );
}

/** One alias shape for the main record and every vendor's: this ALB, with the stack's routing policy. */
export function aliasRecord(scope: pulumi.Resource, resourceName: string, recordName: string, args: IngestionServiceArgs, s: IngestionSettings, loadBalancer: aws.lb.LoadBalancer, healthCheck: aws.route53.HealthCheck): aws.route53.Record {
    const routing = s.routingPolicy;
    return new aws.route53.Record(
        resourceName,
        {
            zoneId: args.hostedZoneId,
            name: recordName,
            type: "A",
            aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
            ...(routing !== "simple" ? { setIdentifier: args.setIdentifier, healthCheckId: healthCheck.id } : {}),
            ...(routing === "weighted" ? { weightedRoutingPolicies: [{ weight: args.weight! }] } : {}),
            ...(routing === "latency" ? { latencyRoutingPolicies: [{ region: args.region }] } : {}),
            ...(routing === "failover" ? { failoverRoutingPolicies: [{ type: args.failoverRole! }] } : {}),
        },
        { parent: scope },
    );
}

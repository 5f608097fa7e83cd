/**
 * The internet-facing ALB (invalid header fields dropped, access logs to the
 * access-log bucket), the shared target group checked on /healthz, the HTTPS
 * listener (TLS_POLICY) and the HTTP listener that only redirects to HTTPS.
 * Children of the IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { IngestionAccessLogs } from "./accessLogs";
import type { IngestionNetwork } from "./vpc";
import type { IngestionSettings } from "./settings";

/** TLS 1.3 with TLS 1.2 fallback; nothing older. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface IngestionLoadBalancer {
    readonly loadBalancer: aws.lb.LoadBalancer;
    readonly targetGroup: aws.lb.TargetGroup;
    readonly httpsListener: aws.lb.Listener;
    readonly httpListener: aws.lb.Listener;
}

/** One target group shape for the shared service and every vendor's dedicated one. */
export function ingestionTargetGroup(scope: pulumi.Resource, resourceName: string, vpcId: pulumi.Input<string>, containerPort: number, tags: Record<string, string>): aws.lb.TargetGroup {
    return new aws.lb.TargetGroup(
        resourceName,
        {
            targetType: "ip",
            port: containerPort,
            protocol: "HTTP",
            protocolVersion: "HTTP1",
            vpcId,
            deregistrationDelay: 30,
            healthCheck: { enabled: true, path: "/healthz", protocol: "HTTP", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
            tags,
        },
        { parent: scope },
    );
}

export function ingestionLoadBalancer(
    scope: pulumi.Resource,
    name: string,
    s: IngestionSettings,
    deps: { network: IngestionNetwork; accessLogs: IngestionAccessLogs; certificateArn: pulumi.Input<string>; deletionProtection: boolean },
): IngestionLoadBalancer {
    const parent = { parent: scope };
    const tags = s.tags;
    const loadBalancer = new aws.lb.LoadBalancer(
        `${name}-alb`,
        {
            loadBalancerType: "application",
            internal: false,
            ipAddressType: "ipv4",
            securityGroups: [deps.network.albSecurityGroup.id],
            subnets: deps.network.publicSubnetIds,
            dropInvalidHeaderFields: true,
            enableDeletionProtection: deps.deletionProtection,
            idleTimeout: 60,
            accessLogs: { bucket: deps.accessLogs.bucket.id, prefix: "alb", enabled: true },
            tags,
        },
        { parent: scope, dependsOn: [deps.accessLogs.policy] },
    );
    const targetGroup = ingestionTargetGroup(scope, `${name}-tg`, deps.network.vpcId, s.containerPort, tags);
    const httpsListener = new aws.lb.Listener(
        `${name}-https`,
        {
            loadBalancerArn: loadBalancer.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn: deps.certificateArn,
            defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            tags,
        },
        parent,
    );
    const httpListener = new aws.lb.Listener(
        `${name}-http`,
        {
            loadBalancerArn: loadBalancer.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            tags,
        },
        parent,
    );
    return { loadBalancer, targetGroup, httpsListener, httpListener };
}

/**
 * Autoscaling of an ingestion ECS service: an aws.appautoscaling.Target between
 * its minimum and maximum tasks and target-tracking policies (average CPU, and
 * for the shared service ALBRequestCountPerTarget). Children of the
 * IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ScalingSpec {
    /** Resource name suffix: "" for the shared service, `-<vendor>` for a vendor's. */
    readonly suffix: string;
    readonly cluster: aws.ecs.Cluster;
    readonly service: aws.ecs.Service;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly cpuTargetPercent: number;
    /** ALBRequestCountPerTarget target and the load balancer / target group it counts. @default - CPU only */
    readonly requests?: { readonly perTargetPerMinute: number; readonly loadBalancer: aws.lb.LoadBalancer; readonly targetGroup: aws.lb.TargetGroup };
}

export function ingestionScaling(scope: pulumi.Resource, name: string, spec: ScalingSpec): { target: aws.appautoscaling.Target; policies: aws.appautoscaling.Policy[] } {
    const parent = { parent: scope };
    const target = new aws.appautoscaling.Target(
        `${name}-scaling${spec.suffix}`,
        {
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId: pulumi.interpolate`service/${spec.cluster.name}/${spec.service.name}`,
            minCapacity: spec.minTasks,
            maxCapacity: spec.maxTasks,
        },
        parent,
    );
    const trackingPolicy = (resourceName: string, predefinedMetricSpecification: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification, targetValue: number) =>
        new aws.appautoscaling.Policy(
            resourceName,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                scalableDimension: target.scalableDimension,
                resourceId: target.resourceId,
                targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification, targetValue, scaleInCooldown: 300, scaleOutCooldown: 60 },
            },
            parent,
        );
    const policies = [trackingPolicy(`${name}-scale-cpu${spec.suffix}`, { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, spec.cpuTargetPercent)];
    if (spec.requests !== undefined) {
        const r = spec.requests;
        policies.push(
            trackingPolicy(`${name}-scale-requests${spec.suffix}`, { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: pulumi.interpolate`${r.loadBalancer.arnSuffix}/${r.targetGroup.arnSuffix}` }, r.perTargetPerMinute),
        );
    }
    return { target, policies };
}

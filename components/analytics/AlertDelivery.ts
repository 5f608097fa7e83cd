/**
 * Delivery of high-demand alerts (docs/analytics.md, "Alert delivery"): the
 * subscriptions of the alerts topic from stack config (on-call HTTPS
 * endpoints, analysts' e-mail addresses), the topic-policy statements that let
 * cross-account subscribers subscribe their own SQS queues (each only its
 * queue, over SQS), and the EventBridge bus alerts are put on. The topic and
 * its policy stay in StreamProcessor (one policy per topic): pass
 * `AlertDelivery.subscribeStatements(...)` as its `alertsTopicPolicyStatements`
 * and `eventBus` as its `alertsEventBus` (the processor's role gets
 * `events:PutEvents` on that bus only).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../common/iam";
import { validator } from "../common/validation";

export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:(\d{12}):[A-Za-z0-9_-]{1,80}$/;

export interface AlertDeliveryArgs {
    /** The alerts topic (StreamProcessor.alertsTopic). */
    readonly topicArn: pulumi.Input<string>;
    /** Analysts' and on-call e-mail addresses subscribed to the topic. @default [] */
    readonly emails?: readonly string[];
    /** HTTPS endpoints subscribed (an incident tool's integration URL). @default [] */
    readonly httpsEndpoints?: readonly string[];
    /** Name of an EventBridge bus to create for alerts. @default - no bus */
    readonly eventBusName?: string;
}

export class AlertDelivery extends pulumi.ComponentResource {
    readonly subscriptions: aws.sns.TopicSubscription[];
    readonly eventBus?: aws.cloudwatch.EventBus;

    /** The cross-account SQS subscribers' statements for the topic policy (sns:Subscribe, SQS only, their own queue). */
    static subscribeStatements(topicArn: pulumi.Input<string>, queueArns: readonly string[]): PolicyStatement[] {
        const v = validator("AlertDelivery", "subscribeStatements");
        queueArns.forEach((q, i) => v.pattern(`crossAccountSubscribers[${i}]`, q, SQS_ARN, "an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)"));
        return queueArns.map((q, i) => ({
            Sid: `CrossAccountSubscribe${i}`,
            Effect: "Allow" as const,
            Principal: { AWS: `arn:aws:iam::${SQS_ARN.exec(q)![2]}:root` },
            Action: "sns:Subscribe",
            Resource: topicArn,
            Condition: { StringEquals: { "sns:Protocol": "sqs", "sns:Endpoint": q } },
        }));
    }

    constructor(name: string, args: AlertDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flightstream:analytics:AlertDelivery", name, {}, opts);
        const v = validator("AlertDelivery", name);
        (args.emails ?? []).forEach((e, i) => v.pattern(`emails[${i}]`, e, EMAIL, "an e-mail address"));
        (args.httpsEndpoints ?? []).forEach((u, i) => v.pattern(`httpsEndpoints[${i}]`, u, /^https:\/\/[^\s]+$/, "an https:// URL"));
        v.pattern("eventBusName", args.eventBusName, /^(?!default$)[A-Za-z0-9._-]{1,256}$/, "1-256 letters, digits, '.', '_' or '-' (not \"default\")");
        const p = { parent: this };
        this.subscriptions = [
            ...(args.emails ?? []).map((e, i) => new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: args.topicArn, protocol: "email", endpoint: e }, p)),
            ...(args.httpsEndpoints ?? []).map((u, i) => new aws.sns.TopicSubscription(`${name}-https-${i}`, { topic: args.topicArn, protocol: "https", endpoint: u, rawMessageDelivery: false }, p)),
        ];
        if (args.eventBusName !== undefined) this.eventBus = new aws.cloudwatch.EventBus(`${name}-bus`, { name: args.eventBusName }, p);
        this.registerOutputs({ eventBusArn: this.eventBus?.arn });
    }
}

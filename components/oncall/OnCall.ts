/**
 * On-call routing for one account: a `page` and a `ticket` SNS topic under a
 * customer-managed KMS key, subscriptions from stack config, and a topic policy
 * that admits only CloudWatch (from this account) and the listed platform roles.
 *
 * Creates: aws.kms.Key + Alias, 2 x aws.sns.Topic, 2 x aws.sns.TopicPolicy,
 * one aws.sns.TopicSubscription per destination.
 *
 * CloudWatch alarm actions must name a topic in the alarm's own account, so the
 * platform creates one OnCall per account that holds alarms; all of them fan out
 * to the same people.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting } from "../common/alarms";
import { PolicyStatement, policyDocument, tlsOnlyTopicPolicy } from "../common/iam";
import { validator } from "../common/validation";

export interface OnCallArgs {
    /** Account id the topics live in (used in key and topic policies). */
    readonly accountId: pulumi.Input<string>;
    /** E-mail addresses subscribed to the page topic. @default [] */
    readonly pageEmails?: string[];
    /** HTTPS endpoints (incident tool, chat webhook) subscribed to the page topic. @default [] */
    readonly pageHttpsEndpoints?: string[];
    /** E-mail addresses subscribed to the ticket topic. @default [] */
    readonly ticketEmails?: string[];
    /** Role ARNs of the platform allowed to publish (for example workflow roles). @default [] */
    readonly publisherRoleArns?: pulumi.Input<string>[];
    /** KMS key deletion window. @default 30 */
    readonly keyDeletionWindowDays?: number;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export class OnCall extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly pageTopic: aws.sns.Topic;
    readonly ticketTopic: aws.sns.Topic;
    readonly subscriptions: aws.sns.TopicSubscription[] = [];
    /** Pass to every component's `alarms.routing`. */
    readonly routing: AlarmRouting;

    constructor(name: string, args: OnCallArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:oncall:OnCall", name, {}, opts);
        const v = validator("OnCall", name);
        (args.pageEmails ?? []).forEach((e, i) => v.pattern(`pageEmails[${i}]`, e, EMAIL, "an e-mail address"));
        (args.ticketEmails ?? []).forEach((e, i) => v.pattern(`ticketEmails[${i}]`, e, EMAIL, "an e-mail address"));
        (args.pageHttpsEndpoints ?? []).forEach((e, i) => v.pattern(`pageHttpsEndpoints[${i}]`, e, /^https:\/\/\S+$/, "an https:// URL"));
        v.intRange("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);

        const accountId = pulumi.output(args.accountId);
        const publishers = args.publisherRoleArns ?? [];
        this.key = new aws.kms.Key(`${name}-key`, {
            description: `On-call SNS topics (${name})`,
            enableKeyRotation: true,
            deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
            policy: policyDocument([
                {
                    Sid: "AccountAdministers",
                    Effect: "Allow",
                    Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
                    Action: "kms:*",
                    Resource: "*",
                },
                {
                    Sid: "CloudWatchAlarmsPublish",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
            ]),
        }, { parent: this });
        new aws.kms.Alias(`${name}-key-alias`, { name: pulumi.interpolate`alias/flightstream/${pulumi.getStack()}/${name}`, targetKeyId: this.key.keyId }, { parent: this });

        const topic = (severity: "page" | "ticket") => {
            const t = new aws.sns.Topic(`${name}-${severity}`, {
                name: `${pulumi.getStack()}-${name}-${severity}`,
                displayName: `flightstream ${pulumi.getStack()} ${severity}`,
                kmsMasterKeyId: this.key.arn,
            }, { parent: this });
            const statements: PolicyStatement[] = [
                {
                    Sid: "CloudWatchAlarms",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: t.arn,
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
            ];
            if (publishers.length > 0) {
                statements.push({ Sid: "PlatformRoles", Effect: "Allow", Principal: { AWS: publishers }, Action: "sns:Publish", Resource: t.arn });
            }
            new aws.sns.TopicPolicy(`${name}-${severity}-policy`, { arn: t.arn, policy: tlsOnlyTopicPolicy(t.arn, statements) }, { parent: this });
            return t;
        };
        this.pageTopic = topic("page");
        this.ticketTopic = topic("ticket");

        const sub = (id: string, t: aws.sns.Topic, protocol: "email" | "https", endpoint: string) =>
            this.subscriptions.push(new aws.sns.TopicSubscription(`${name}-${id}`, { topic: t.arn, protocol, endpoint }, { parent: this }));
        (args.pageEmails ?? []).forEach((e, i) => sub(`page-email-${i}`, this.pageTopic, "email", e));
        (args.pageHttpsEndpoints ?? []).forEach((e, i) => sub(`page-https-${i}`, this.pageTopic, "https", e));
        (args.ticketEmails ?? []).forEach((e, i) => sub(`ticket-email-${i}`, this.ticketTopic, "email", e));

        this.routing = { page: [this.pageTopic.arn], ticket: [this.ticketTopic.arn] };
        this.registerOutputs({ key: this.key, pageTopic: this.pageTopic, ticketTopic: this.ticketTopic });
    }
}

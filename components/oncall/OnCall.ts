/**
 * On-call routing for one account: a `page` and a `ticket` SNS topic under a
 * customer-managed KMS key, subscriptions from stack config, and a topic policy
 * that admits only CloudWatch (from this account) and the principals of other
 * accounts given `grantPublish` / `grantSubscribe` (a role of this account
 * needs only its identity policy, which the grant adds).
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
import { Grant, Grantee, ResourcePolicyDocument, TopicRef, applyGrant, asGrantable, isCrossAccount } from "../common/grants";
import { PolicyStatement } from "../common/iam";
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
    /** KMS key deletion window. @default 30 */
    readonly keyDeletionWindowDays?: number;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export type OnCallSeverity = "page" | "ticket";
const SEVERITIES: readonly OnCallSeverity[] = ["page", "ticket"];

export class OnCall extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly pageTopic: aws.sns.Topic;
    readonly ticketTopic: aws.sns.Topic;
    readonly subscriptions: aws.sns.TopicSubscription[] = [];
    /** Pass to every component's `alarms.routing`. */
    readonly routing: AlarmRouting;
    /** The topics as references (their key included), for components that write their own policy document. */
    readonly topics: Record<OnCallSeverity, TopicRef>;
    private readonly accountId: pulumi.Input<string>;
    private readonly keyPolicy: ResourcePolicyDocument;
    private readonly topicPolicies = {} as Record<OnCallSeverity, ResourcePolicyDocument>;

    constructor(name: string, args: OnCallArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:oncall:OnCall", name, {}, opts);
        const v = validator("OnCall", name);
        (args.pageEmails ?? []).forEach((e, i) => v.pattern(`pageEmails[${i}]`, e, EMAIL, "an e-mail address"));
        (args.ticketEmails ?? []).forEach((e, i) => v.pattern(`ticketEmails[${i}]`, e, EMAIL, "an e-mail address"));
        (args.pageHttpsEndpoints ?? []).forEach((e, i) => v.pattern(`pageHttpsEndpoints[${i}]`, e, /^https:\/\/\S+$/, "an https:// URL"));
        v.intRange("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);

        this.accountId = args.accountId;
        const accountId = pulumi.output(args.accountId);
        // Cross-account grants add their statements to the key and topic policies.
        this.keyPolicy = new ResourcePolicyDocument(`OnCall "${name}" key policy`, [
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
        ]);
        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `On-call SNS topics (${name})`,
                enableKeyRotation: true,
                deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
                policy: this.keyPolicy.document,
            },
            { parent: this },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: pulumi.interpolate`alias/flightstream/${pulumi.getStack()}/${name}`, targetKeyId: this.key.keyId }, { parent: this });

        const topic = (severity: "page" | "ticket") => {
            const t = new aws.sns.Topic(
                `${name}-${severity}`,
                {
                    name: `${pulumi.getStack()}-${name}-${severity}`,
                    displayName: `flightstream ${pulumi.getStack()} ${severity}`,
                    kmsMasterKeyId: this.key.arn,
                },
                { parent: this },
            );
            const statements: PolicyStatement[] = [
                {
                    Sid: "CloudWatchAlarms",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: t.arn,
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
                { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: t.arn, Condition: { Bool: { "aws:SecureTransport": false } } },
            ];
            this.topicPolicies[severity] = new ResourcePolicyDocument(`OnCall "${name}" ${severity} topic policy`, statements, (document) => {
                new aws.sns.TopicPolicy(`${name}-${severity}-policy`, { arn: t.arn, policy: document }, { parent: this });
            });
            return t;
        };
        this.pageTopic = topic("page");
        this.ticketTopic = topic("ticket");

        const sub = (id: string, t: aws.sns.Topic, protocol: "email" | "https", endpoint: string) => this.subscriptions.push(new aws.sns.TopicSubscription(`${name}-${id}`, { topic: t.arn, protocol, endpoint }, { parent: this }));
        (args.pageEmails ?? []).forEach((e, i) => sub(`page-email-${i}`, this.pageTopic, "email", e));
        (args.pageHttpsEndpoints ?? []).forEach((e, i) => sub(`page-https-${i}`, this.pageTopic, "https", e));
        (args.ticketEmails ?? []).forEach((e, i) => sub(`ticket-email-${i}`, this.ticketTopic, "email", e));

        this.routing = { page: [this.pageTopic.arn], ticket: [this.ticketTopic.arn] };
        this.topics = {
            page: TopicRef.fromTopicAttributes({ topicArn: this.pageTopic.arn, keyArn: this.key.arn, accountId: args.accountId }),
            ticket: TopicRef.fromTopicAttributes({ topicArn: this.ticketTopic.arn, keyArn: this.key.arn, accountId: args.accountId }),
        };
        this.registerOutputs({ key: this.key, pageTopic: this.pageTopic, ticketTopic: this.ticketTopic });
    }

    private checkSeverities(name: string, severities: readonly OnCallSeverity[]): void {
        if (!Array.isArray(severities) || severities.length === 0 || severities.some((s) => !SEVERITIES.includes(s))) {
            throw new Error(`OnCall grant "${name}": \`severities\` must be a non-empty list of "page" and "ticket"; received ${JSON.stringify(severities)}.`);
        }
    }

    /**
     * Lets a principal publish to the `severities` topics (both by default):
     * sns:Publish and the key's kms:GenerateDataKey + kms:Decrypt on its identity
     * policy when this program owns it; for a principal of another account
     * (`principals.roleArn(arn, accountId)`, `principals.role(role, accountId)`),
     * also the topic policy statements and a key policy statement scoped to SNS
     * (`kms:ViaService`). Make the grant while the program is constructed.
     */
    grantPublish(name: string, grantee: Grantee, severities: readonly OnCallSeverity[] = SEVERITIES): Grant {
        this.checkSeverities(name, severities);
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`OnCall grant "${name}"`, g, this.accountId);
        return applyGrant(name, g, cross, TopicRef.publishStatements(severities.map((s) => this.topics[s])), [
            ...severities.map((s) => ({ policy: this.topicPolicies[s], statements: [{ Effect: "Allow" as const, Action: "sns:Publish", Resource: this.topics[s].topicArn }] })),
            { policy: this.keyPolicy, statements: [{ Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*", Condition: { StringLike: { "kms:ViaService": "sns.*.amazonaws.com" } } }] },
        ]);
    }

    /** Lets a principal subscribe endpoints to the `severities` topics (both by default); cross-account, the topic policy statements too. */
    grantSubscribe(name: string, grantee: Grantee, severities: readonly OnCallSeverity[] = SEVERITIES): Grant {
        this.checkSeverities(name, severities);
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`OnCall grant "${name}"`, g, this.accountId);
        const arns = severities.map((s) => this.topics[s].topicArn);
        return applyGrant(
            name,
            g,
            cross,
            [{ Sid: "Subscribe", Effect: "Allow", Action: "sns:Subscribe", Resource: arns.length === 1 ? arns[0] : arns }],
            severities.map((s) => ({ policy: this.topicPolicies[s], statements: [{ Effect: "Allow" as const, Action: "sns:Subscribe", Resource: this.topics[s].topicArn }] })),
        );
    }
}

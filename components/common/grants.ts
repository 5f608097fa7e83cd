/**
 * Typed references and grants, after aws-cdk's model (`IGrantable`,
 * `Stream.fromStreamAttributes`, `grantRead/grantWrite`): a grant takes any
 * principal (a role of this program, a role ARN of another stack, a service
 * principal), adds the IAM statements to the principal's own policy when this
 * program owns it, adds the KMS statements of the resource's key, and — when
 * the principal lives in another account than the resource — the
 * resource-policy statements too (stream, consumer, bucket, key, topic
 * policy) when the granting component owns that resource. It returns what it
 * added (`Grant`).
 *
 * References (`KinesisStreamRef.fromStreamAttributes(...)`, `LakeBucketRef`,
 * `KeyRef`, `DatabaseRef`, `TopicRef`) stand for resources owned by another
 * component, stack or account: their grants add the principal's side only and
 * return the resource-policy statements the owner must apply
 * (`Grant.unappliedResourceStatements`), as aws-cdk does for imported resources.
 * See docs/grants.md.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Principal, PolicyStatement, grant as attachPolicy, policyDocument } from "./iam";
import { AWS_ACCOUNT_ID } from "./validation";

type Condition = NonNullable<PolicyStatement["Condition"]>;

/** A principal a grant can be given to (aws-cdk's `IGrantable`). */
export interface IGrantable {
    /** What a resource policy names (`{ AWS: roleArn }` or `{ Service: ... }`). */
    readonly principal: Principal;
    /**
     * The account the principal lives in, as a plain 12-digit id (compared with
     * the resource's account at plan time). @default - the resource's account
     */
    readonly accountId?: string;
    /** Conditions every resource-policy statement for this principal carries (a service principal's source guards). @default - none */
    readonly conditions?: Condition;
    /**
     * Adds statements to the principal's own (identity) policy, named `name`;
     * returns the policy resource it created, if any. Principals this program
     * does not own (a role ARN of another stack, a service) add nothing.
     */
    addToPrincipalPolicy(name: string, statements: PolicyStatement[]): aws.iam.RolePolicy | undefined;
}

/** A role of this program, or any IGrantable. A bare role counts as living in the resource's account. */
export type Grantee = aws.iam.Role | IGrantable;

/** What a grant added. */
export interface Grant {
    /** Statements added to the principal's identity policy (empty when the program does not own the principal). */
    readonly principalStatements: PolicyStatement[];
    /** Resource-policy statements added to resources this component owns (cross-account principals only). */
    readonly resourceStatements: PolicyStatement[];
    /** Resource-policy statements the resource's owner must apply (the resource is a reference; cross-account only). */
    readonly unappliedResourceStatements: PolicyStatement[];
    /** The identity policy created for the principal, if any (to order other resources after it). */
    readonly principalPolicy?: aws.iam.RolePolicy;
    /** True when the principal lives in another account than the resource. */
    readonly crossAccount: boolean;
}

function checkAccount(what: string, accountId: string | undefined): void {
    if (accountId !== undefined && !AWS_ACCOUNT_ID.test(accountId)) {
        throw new Error(`${what}: \`accountId\` must be a 12-digit AWS account id; received ${JSON.stringify(accountId)}.`);
    }
}

/** Principals a grant accepts. */
export const principals = {
    /** A role of this program; `accountId` (the account of the role's provider) makes cross-account grants add resource-policy statements. */
    role(role: aws.iam.Role, accountId?: string): IGrantable {
        checkAccount("principals.role", accountId);
        return { principal: { AWS: role.arn }, accountId, addToPrincipalPolicy: (name, statements) => attachPolicy(name, role, statements) };
    },
    /** A role of another stack or account, by ARN: only the resource side is granted here. */
    roleArn(roleArn: pulumi.Input<string>, accountId: string): IGrantable {
        checkAccount("principals.roleArn", accountId);
        return { principal: { AWS: roleArn }, accountId, addToPrincipalPolicy: () => undefined };
    },
    /** An AWS service principal (`firehose.amazonaws.com`), guarded by `aws:SourceAccount` and/or `aws:SourceArn`. */
    service(service: string, guard: { readonly sourceAccount?: pulumi.Input<string>; readonly sourceArn?: pulumi.Input<string> } = {}): IGrantable {
        if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(service)) throw new Error(`principals.service: \`service\` must be a service principal like "firehose.amazonaws.com"; received ${JSON.stringify(service)}.`);
        const conditions: Condition = {};
        if (guard.sourceAccount !== undefined) conditions.StringEquals = { "aws:SourceAccount": guard.sourceAccount };
        if (guard.sourceArn !== undefined) conditions.ArnLike = { "aws:SourceArn": guard.sourceArn };
        return { principal: { Service: service }, conditions: Object.keys(conditions).length > 0 ? conditions : undefined, addToPrincipalPolicy: () => undefined };
    },
};

/**
 * A principal that collects its statements instead of attaching a policy:
 * for components that write one identity policy document for their role
 * (the statements come from the grants, the document from the component).
 */
export class StatementCollector implements IGrantable {
    readonly principal: Principal;
    readonly statements: PolicyStatement[] = [];
    /**
     * `role`: the role (or its ARN) the document is for, named by resource
     * policies of cross-account grants; without it (statements for a role not
     * created yet) the collector is a same-account principal only.
     */
    constructor(
        role?: aws.iam.Role | pulumi.Input<string>,
        readonly accountId?: string,
    ) {
        checkAccount("StatementCollector", accountId);
        if (role === undefined && accountId !== undefined) throw new Error(`StatementCollector: \`accountId\` (${accountId}) needs the \`role\` resource policies would name.`);
        this.principal = { AWS: role === undefined ? [] : role instanceof aws.iam.Role ? role.arn : role };
    }
    /** Collects the statements; a Sid already used in this document gets the next free number (`ReadStream2`). */
    addToPrincipalPolicy(_name: string, statements: PolicyStatement[]): undefined {
        for (const st of statements) {
            let sid = st.Sid;
            if (sid !== undefined) for (let n = 2; this.statements.some((x) => x.Sid === sid); n++) sid = `${st.Sid}${n}`;
            this.statements.push(sid === st.Sid ? st : { ...st, Sid: sid });
        }
        return undefined;
    }
}

export function asGrantable(g: Grantee): IGrantable {
    return g instanceof aws.iam.Role ? principals.role(g) : g;
}

/** Whether a principal lives in another account than the resource (`resourceAccount` must be a plain id to compare). */
export function isCrossAccount(what: string, g: IGrantable, resourceAccount: pulumi.Input<string> | undefined): boolean {
    if (g.accountId === undefined) return false;
    if (typeof resourceAccount !== "string") {
        throw new Error(`${what}: the principal names account ${g.accountId} but the resource's account is not known at plan time; give the resource's \`accountId\` as a plain 12-digit id.`);
    }
    return g.accountId !== resourceAccount;
}

/** Resource-policy statements for a principal: each carries the principal and its conditions. */
export function forPrincipal(g: IGrantable, statements: PolicyStatement[]): PolicyStatement[] {
    return statements.map((s) => ({
        ...s,
        Principal: g.principal,
        ...(g.conditions !== undefined || s.Condition !== undefined ? { Condition: { ...(s.Condition ?? {}), ...(g.conditions ?? {}) } } : {}),
    }));
}

/**
 * A resource policy that grants add statements to while the program is being
 * built: its document resolves after the current synchronous construction
 * (the next macrotask), so every grant made while the program is constructed
 * lands in it; a grant after that fails, naming the resource, instead of being
 * lost. `create` makes the policy resource the first time a statement arrives
 * (policies that hold `base` statements are created at once).
 */
export class ResourcePolicyDocument {
    private readonly added: PolicyStatement[] = [];
    private sealed = false;
    private created = false;
    readonly document: pulumi.Output<string>;

    constructor(
        private readonly what: string,
        private readonly base: PolicyStatement[],
        private readonly create?: (document: pulumi.Output<string>) => void,
    ) {
        const statements = new Promise<PolicyStatement[]>((resolve) =>
            setImmediate(() => {
                this.sealed = true;
                resolve([...this.base, ...this.added]);
            }),
        );
        this.document = pulumi.output(statements).apply((s) => policyDocument(s as PolicyStatement[]));
        if (base.length > 0) this.ensureCreated();
    }

    get statementCount(): number {
        return this.base.length + this.added.length;
    }

    add(statements: PolicyStatement[]): void {
        if (statements.length === 0) return;
        if (this.sealed) throw new Error(`${this.what}: a grant was made after its resource policy was written; make cross-account grants while the program is constructed (before any await).`);
        // A Sid already in the document gets the next free number (two grants with one name).
        for (const st of statements) {
            let sid = st.Sid;
            const taken = (x: string) => [...this.base, ...this.added].some((y) => y.Sid === x);
            if (sid !== undefined) for (let n = 2; taken(sid); n++) sid = `${st.Sid}${n}`;
            this.added.push(sid === st.Sid ? st : { ...st, Sid: sid });
        }
        this.ensureCreated();
    }

    private ensureCreated(): void {
        if (this.created || this.create === undefined) return;
        this.created = true;
        this.create(this.document);
    }
}

/** Adds `principalStatements` to the principal and, cross-account, `resourceStatements` to the owned policies (or reports them unapplied). */
export function applyGrant(name: string, g: IGrantable, crossAccount: boolean, principalStatements: PolicyStatement[], resourceSide: { readonly policy?: ResourcePolicyDocument; readonly statements: PolicyStatement[] }[] = []): Grant {
    const principalPolicy = principalStatements.length > 0 ? g.addToPrincipalPolicy(name, principalStatements) : undefined;
    const applied: PolicyStatement[] = [];
    const unapplied: PolicyStatement[] = [];
    if (crossAccount) {
        for (const side of resourceSide) {
            const statements = forPrincipal(g, side.statements);
            if (side.policy) {
                side.policy.add(statements);
                applied.push(...statements);
            } else {
                unapplied.push(...statements);
            }
        }
    }
    return { principalStatements, resourceStatements: applied, unappliedResourceStatements: unapplied, principalPolicy, crossAccount };
}

// ---------------------------------------------------------------- KMS keys

export type KeyUse = "encrypt" | "decrypt" | "both";

function kmsActions(use: KeyUse): string[] {
    return use === "encrypt" ? ["kms:GenerateDataKey"] : use === "decrypt" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"];
}

export interface KeyAttributes {
    readonly keyArn: pulumi.Input<string>;
    /** @default - unknown (grants to principals naming another account fail) */
    readonly accountId?: pulumi.Input<string>;
}

/** A customer-managed KMS key owned elsewhere. */
export class KeyRef {
    static fromKeyAttributes(attrs: KeyAttributes): KeyRef {
        return new KeyRef(attrs.keyArn, attrs.accountId);
    }
    protected constructor(
        readonly keyArn: pulumi.Input<string>,
        readonly accountId?: pulumi.Input<string>,
    ) {}

    /** The identity statement to use the key; `viaService` scopes it to one service (`secretsmanager.eu-west-1.amazonaws.com`). */
    useStatement(use: KeyUse, sid?: string, viaService?: pulumi.Input<string>): PolicyStatement {
        return {
            ...(sid !== undefined ? { Sid: sid } : {}),
            Effect: "Allow",
            Action: kmsActions(use),
            Resource: this.keyArn,
            ...(viaService !== undefined ? { Condition: { StringEquals: { "kms:ViaService": viaService } } } : {}),
        };
    }

    /** Lets a principal use the key (identity side; cross-account, the key policy statement is returned unapplied). */
    grantUse(name: string, grantee: Grantee, use: KeyUse, viaService?: pulumi.Input<string>): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`KeyRef(${name})`, g, this.accountId);
        return applyGrant(name, g, cross, [this.useStatement(use, undefined, viaService)], [{ statements: [{ Effect: "Allow", Action: kmsActions(use), Resource: "*" }] }]);
    }
}

// ---------------------------------------------------------------- Kinesis streams

/** Producer: put records; ListShards and DescribeStreamSummary map shards to aggregate per shard. */
export const KINESIS_WRITE_ACTIONS = ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"];
/** An SDK reader that positions its own iterators (the replay workflow). */
export const KINESIS_READ_RECORDS_ACTIONS = ["kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"];
/** A managed reader (Firehose source, shared-throughput reads): the record reads plus DescribeStream. */
export const KINESIS_READ_ACTIONS = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"];
/** A Lambda event source mapping: the reads plus ListStreamConsumers. */
export const KINESIS_CONSUME_ACTIONS = [...KINESIS_READ_ACTIONS, "kinesis:ListStreamConsumers"];
/** Through an enhanced fan-out consumer. */
export const KINESIS_SUBSCRIBE_ACTIONS = ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"];
/** The reshard workflow's tasks: change the shard count and follow the change. */
export const KINESIS_RESHARD_ACTIONS = ["kinesis:UpdateShardCount", "kinesis:DescribeStreamSummary"];

export type KinesisReadKind = "records" | "read" | "consume";

export interface KinesisStreamAttributes {
    readonly streamArn: pulumi.Input<string>;
    readonly streamName?: pulumi.Input<string>;
    /** The key encrypting the stream. @default - not encrypted with a customer key (no KMS statements) */
    readonly keyArn?: pulumi.Input<string>;
    /** The stream's account (plain 12-digit id to compare with principals'). @default - unknown */
    readonly accountId?: pulumi.Input<string>;
    /** Region, to scope cross-account key use to Kinesis (`kms:ViaService`). @default - any region's Kinesis */
    readonly region?: pulumi.Input<string>;
}

/** The resource policies of a stream its owner lets grants add to. */
export interface KinesisStreamPolicies {
    readonly stream?: ResourcePolicyDocument;
    readonly key?: ResourcePolicyDocument;
    consumer?(consumerArn: pulumi.Input<string>): ResourcePolicyDocument | undefined;
}

/**
 * A Kinesis stream, by attributes (aws-cdk's `Stream.fromStreamAttributes`).
 * KinesisStream extends it and owns the resource policies; a reference built
 * with `fromStreamAttributes` grants the principal's side only.
 */
export class KinesisStreamRef {
    static fromStreamAttributes(attrs: KinesisStreamAttributes): KinesisStreamRef {
        return new KinesisStreamRef(attrs);
    }

    readonly streamArn: pulumi.Input<string>;
    readonly streamName?: pulumi.Input<string>;
    readonly keyArn?: pulumi.Input<string>;
    readonly accountId?: pulumi.Input<string>;
    readonly region?: pulumi.Input<string>;
    /** How errors name the stream. */
    protected label = "KinesisStreamRef";

    protected constructor(attrs: KinesisStreamAttributes) {
        this.streamArn = attrs.streamArn;
        this.streamName = attrs.streamName;
        this.keyArn = attrs.keyArn;
        this.accountId = attrs.accountId;
        this.region = attrs.region;
    }

    /** Resource policies grants may add to (none for a reference). */
    protected policies(): KinesisStreamPolicies {
        return {};
    }

    private viaKinesis(): Condition {
        return this.region !== undefined ? { StringEquals: { "kms:ViaService": pulumi.interpolate`kinesis.${this.region}.amazonaws.com` } } : { StringLike: { "kms:ViaService": "kinesis.*.amazonaws.com" } };
    }

    private grantStream(name: string, grantee: Grantee, sid: string, actions: string[], keyUse?: { sid: string; use: KeyUse }, consumerArn?: pulumi.Input<string>): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`${this.label} grant "${name}"`, g, this.accountId);
        const p = this.policies();
        const statements: PolicyStatement[] = [{ Sid: sid, Effect: "Allow", Action: actions, Resource: this.streamArn }];
        const resourceSide: { policy?: ResourcePolicyDocument; statements: PolicyStatement[] }[] = [{ policy: p.stream, statements: [{ Effect: "Allow", Action: actions, Resource: this.streamArn }] }];
        if (keyUse !== undefined && this.keyArn !== undefined) {
            statements.push({ Sid: keyUse.sid, Effect: "Allow", Action: kmsActions(keyUse.use), Resource: this.keyArn });
            resourceSide.push({ policy: p.key, statements: [{ Effect: "Allow", Action: kmsActions(keyUse.use), Resource: "*", Condition: this.viaKinesis() }] });
        }
        if (consumerArn !== undefined) {
            statements.push({ Sid: "SubscribeThroughConsumer", Effect: "Allow", Action: KINESIS_SUBSCRIBE_ACTIONS, Resource: consumerArn });
            resourceSide.push({ policy: p.consumer?.(consumerArn), statements: [{ Effect: "Allow", Action: KINESIS_SUBSCRIBE_ACTIONS, Resource: consumerArn }] });
        }
        return applyGrant(name, g, cross, statements, resourceSide);
    }

    /** Lets a principal write: PutRecord(s), ListShards, DescribeStreamSummary, and kms:GenerateDataKey on the stream's key. */
    grantWrite(name: string, grantee: Grantee): Grant {
        return this.grantStream(name, grantee, "WriteStream", KINESIS_WRITE_ACTIONS, { sid: "EncryptStream", use: "encrypt" });
    }

    /**
     * Lets a principal read with shared throughput and kms:Decrypt:
     * `"read"` (default: a managed reader such as a Firehose source: the record
     * reads and DescribeStream), `"records"` (an SDK reader positioning its own
     * iterators: no DescribeStream), `"consume"` (a Lambda event source mapping:
     * plus ListStreamConsumers).
     */
    grantRead(name: string, grantee: Grantee, kind: KinesisReadKind = "read"): Grant {
        const actions = kind === "records" ? KINESIS_READ_RECORDS_ACTIONS : kind === "consume" ? KINESIS_CONSUME_ACTIONS : KINESIS_READ_ACTIONS;
        return this.grantStream(name, grantee, "ReadStream", actions, { sid: "DecryptStream", use: "decrypt" });
    }

    /**
     * Lets a principal read as a Lambda event source mapping (the "consume"
     * reads and kms:Decrypt), through the enhanced fan-out consumer
     * `consumerArn` when given (SubscribeToShard, DescribeStreamConsumer).
     */
    grantConsumeThrough(name: string, grantee: Grantee, consumerArn?: pulumi.Input<string>): Grant {
        return this.grantStream(name, grantee, "ReadStream", KINESIS_CONSUME_ACTIONS, { sid: "DecryptStream", use: "decrypt" }, consumerArn);
    }

    /** Lets a principal change the shard count and follow the change (UpdateShardCount, DescribeStreamSummary). */
    grantReshard(name: string, grantee: Grantee): Grant {
        return this.grantStream(name, grantee, "ReshardStream", KINESIS_RESHARD_ACTIONS);
    }

    /** Lets a principal read the stream's summary (its open shard count) only. */
    grantDescribe(name: string, grantee: Grantee): Grant {
        return this.grantStream(name, grantee, "DescribeStream", ["kinesis:DescribeStreamSummary"]);
    }
}

// ---------------------------------------------------------------- S3 buckets (lake, ponds)

export interface LakeBucketAttributes {
    readonly bucketArn: pulumi.Input<string>;
    readonly bucketName?: pulumi.Input<string>;
    /** The bucket's SSE-KMS key. @default - none (an SSE-S3 bucket: the grants add no KMS statements) */
    readonly keyArn?: pulumi.Input<string>;
    /** @default - unknown */
    readonly accountId?: pulumi.Input<string>;
    /** Region, to scope cross-account key use to S3 (`kms:ViaService`). @default - any region's S3 */
    readonly region?: pulumi.Input<string>;
    /** What the statements' Sids start with ("Lake" -> "LakeReadObjects"). @default "Bucket" */
    readonly label?: string;
}

/** The resource policies of a bucket its owner (DataLake, Pond) lets grants add to. */
export interface LakeBucketPolicies {
    readonly bucket: ResourcePolicyDocument;
    readonly key?: ResourcePolicyDocument;
}

const BUCKET_WRITE_OBJECT_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject"];
const BUCKET_WRITE_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const objectArns = (bucketArn: pulumi.Input<string>, prefixes: readonly string[] | undefined): pulumi.Output<string>[] => (prefixes ?? [""]).map((p) => pulumi.interpolate`${bucketArn}/${p}*`);

/** S3 statements (no KMS) to read objects under `prefixes` (the whole bucket when omitted); Sids start with `label`. */
function bucketReadS3Statements(bucketArn: pulumi.Input<string>, prefixes: readonly string[] | undefined, label: string, locateBucket: boolean): PolicyStatement[] {
    return [
        { Sid: `${label}ReadObjects`, Effect: "Allow", Action: "s3:GetObject", Resource: objectArns(bucketArn, prefixes) },
        {
            Sid: `${label}List`,
            Effect: "Allow",
            Action: prefixes || !locateBucket ? "s3:ListBucket" : ["s3:GetBucketLocation", "s3:ListBucket"],
            Resource: bucketArn,
            ...(prefixes ? { Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}*`]) } } } : {}),
        },
        // GetBucketLocation carries no s3:prefix.
        ...(prefixes && locateBucket ? [{ Sid: `${label}Locate`, Effect: "Allow" as const, Action: "s3:GetBucketLocation", Resource: bucketArn }] : []),
    ];
}

/** S3 statements (no KMS) to write under `prefixes` (multipart, read back, optionally delete); Sids start with `label`. */
function bucketWriteS3Statements(bucketArn: pulumi.Input<string>, prefixes: readonly string[], allowDelete: boolean, label: string): PolicyStatement[] {
    return [
        { Sid: `${label}WriteObjects`, Effect: "Allow", Action: [...BUCKET_WRITE_OBJECT_ACTIONS, ...(allowDelete ? ["s3:DeleteObject"] : [])], Resource: objectArns(bucketArn, prefixes) },
        { Sid: `${label}ListUploads`, Effect: "Allow", Action: BUCKET_WRITE_BUCKET_ACTIONS, Resource: bucketArn },
    ];
}

/**
 * Identity statements to read objects under `prefixes` (the whole bucket when
 * omitted) and decrypt them; Sids start with `label`. `locateBucket: false`
 * leaves out s3:GetBucketLocation (a reader that knows the bucket's region).
 */
export function bucketReadStatements(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string> | undefined, prefixes?: readonly string[], label = "Bucket", locateBucket = true): PolicyStatement[] {
    return [...bucketReadS3Statements(bucketArn, prefixes, label, locateBucket), ...(keyArn !== undefined ? [{ Sid: `${label}Decrypt`, Effect: "Allow" as const, Action: "kms:Decrypt", Resource: keyArn }] : [])];
}

/** Identity statements to write (multipart, read back, optionally delete) under `prefixes` and encrypt with the key; Sids start with `label`. */
export function bucketWriteStatements(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string> | undefined, prefixes: readonly string[], allowDelete = false, label = "Bucket"): PolicyStatement[] {
    return [...bucketWriteS3Statements(bucketArn, prefixes, allowDelete, label), ...(keyArn !== undefined ? [{ Sid: `${label}Encrypt`, Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn }] : [])];
}

function checkPrefixes(what: string, prefixes: readonly string[] | undefined): void {
    prefixes?.forEach((p, i) => {
        if (typeof p !== "string" || !/^[A-Za-z0-9_=.\-/]*\/$/.test(p)) throw new Error(`${what}: \`prefixes[${i}]\` must be a key prefix ending in "/" (letters, digits, _ = . - /); received ${JSON.stringify(p)}.`);
    });
}

/** Objects an object-level grant names: exact keys, or every key under `prefix` ending in `suffix`. */
export type LakeObjects = { readonly keys: readonly pulumi.Input<string>[] } | { readonly prefix: string; readonly suffix: string };

const KEY_PART = /^[A-Za-z0-9!_.*'()/=-]*$/;

/** A grant's name as a statement Sid stem ("analytics-processor-read" -> "AnalyticsProcessorRead"). */
function sidStem(name: string): string {
    return name
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w.length > 0)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join("");
}

/**
 * An S3 bucket encrypted with a customer key (the lake's, a pond's), by
 * attributes. DataLake and Pond own their bucket and key policies and build
 * their `ref` with `LakeBucketRef.owned(...)`: a grant to a principal in
 * another account adds the bucket-policy and key-policy statements there. A
 * reference built with `fromBucketAttributes` (another stack's bucket) grants
 * the principal's side only and returns those statements unapplied.
 */
export class LakeBucketRef {
    static fromBucketAttributes(attrs: LakeBucketAttributes): LakeBucketRef {
        return new LakeBucketRef(attrs);
    }
    /** The owning component's reference: cross-account grants write into `policies`. */
    static owned(attrs: LakeBucketAttributes, policies: LakeBucketPolicies): LakeBucketRef {
        const r = new LakeBucketRef(attrs);
        r.ownedPolicies = policies;
        return r;
    }
    readonly bucketArn: pulumi.Input<string>;
    readonly bucketName?: pulumi.Input<string>;
    readonly keyArn?: pulumi.Input<string>;
    readonly accountId?: pulumi.Input<string>;
    readonly region?: pulumi.Input<string>;
    readonly label: string;
    private ownedPolicies?: LakeBucketPolicies;
    protected constructor(attrs: LakeBucketAttributes) {
        if (attrs.label !== undefined && !/^[A-Za-z][A-Za-z0-9]*$/.test(attrs.label)) throw new Error(`LakeBucketRef: \`label\` must be letters and digits, starting with a letter; received ${JSON.stringify(attrs.label)}.`);
        this.label = attrs.label ?? "Bucket";
        this.bucketArn = attrs.bucketArn;
        this.bucketName = attrs.bucketName;
        this.keyArn = attrs.keyArn;
        this.accountId = attrs.accountId;
        this.region = attrs.region;
    }

    private viaS3(): Condition {
        return this.region !== undefined ? { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${this.region}.amazonaws.com` } } : { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } };
    }

    /**
     * One grant: `s3` (the S3 statements) goes to the principal with the key
     * statement; cross-account, the same S3 statements (Sids from the grant's
     * name) go to the bucket policy and the key use, through S3 only, to the
     * key policy.
     */
    private grantBucket(name: string, grantee: Grantee, s3: PolicyStatement[], keySid: string, keyActions: string | string[]): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`${this.constructor.name}(${name})`, g, this.accountId);
        const stem = sidStem(name);
        const principalStatements = [...s3, ...(this.keyArn !== undefined ? [{ Sid: keySid, Effect: "Allow" as const, Action: keyActions, Resource: this.keyArn }] : [])];
        const resourceSide: { policy?: ResourcePolicyDocument; statements: PolicyStatement[] }[] = [{ policy: this.ownedPolicies?.bucket, statements: s3.map((s) => ({ ...s, Sid: `${stem}${s.Sid!.slice(this.label.length)}` })) }];
        if (this.keyArn !== undefined) resourceSide.push({ policy: this.ownedPolicies?.key, statements: [{ Sid: `${stem}${keySid.slice(this.label.length)}`, Effect: "Allow", Action: keyActions, Resource: "*", Condition: this.viaS3() }] });
        return applyGrant(name, g, cross, principalStatements, resourceSide);
    }

    /**
     * Lets a principal read objects under `prefixes` (each ending in "/"; the whole
     * bucket when omitted) and decrypt them. `locateBucket` @default true
     */
    grantRead(name: string, grantee: Grantee, prefixes?: readonly string[], opts: { readonly locateBucket?: boolean } = {}): Grant {
        checkPrefixes(`${this.constructor.name}.grantRead(${name})`, prefixes);
        return this.grantBucket(name, grantee, bucketReadS3Statements(this.bucketArn, prefixes, this.label, opts.locateBucket ?? true), `${this.label}Decrypt`, "kms:Decrypt");
    }

    /** Lets a principal write under `prefixes` (each ending in "/"), optionally delete there, and encrypt with the bucket's key. */
    grantWrite(name: string, grantee: Grantee, prefixes: readonly string[], allowDelete = false): Grant {
        checkPrefixes(`${this.constructor.name}.grantWrite(${name})`, prefixes);
        if (prefixes.length === 0) throw new Error(`${this.constructor.name}.grantWrite(${name}): \`prefixes\` must name at least one prefix; received [].`);
        return this.grantBucket(name, grantee, bucketWriteS3Statements(this.bucketArn, prefixes, allowDelete, this.label), `${this.label}Encrypt`, ["kms:GenerateDataKey", "kms:Decrypt"]);
    }

    /**
     * Lets a principal read exactly some objects (s3:GetObject, no listing) and
     * decrypt them: `{ keys }` (exact object keys) or `{ prefix, suffix }`
     * (every key under `prefix` ending in `suffix`). Sids: `<label>Read`, `<label>Decrypt`.
     */
    grantReadObjects(name: string, grantee: Grantee, objects: LakeObjects): Grant {
        const what = `${this.constructor.name}.grantReadObjects(${name})`;
        let resources: pulumi.Input<string>[];
        if ("keys" in objects) {
            if (objects.keys.length === 0) throw new Error(`${what}: \`keys\` must name at least one object key; received [].`);
            objects.keys.forEach((k, i) => {
                if (typeof k === "string" && (k === "" || k.startsWith("/") || !KEY_PART.test(k)))
                    throw new Error(`${what}: \`keys[${i}]\` must be an object key (letters, digits, ! _ . * ' ( ) / = -, not starting with "/"); received ${JSON.stringify(k)}.`);
            });
            resources = objects.keys.map((k) => pulumi.interpolate`${this.bucketArn}/${k}`);
        } else {
            checkPrefixes(what, [objects.prefix]);
            if (!KEY_PART.test(objects.suffix) || objects.suffix.includes("/") || objects.suffix === "")
                throw new Error(`${what}: \`suffix\` must be a non-empty key ending without "/" (such as ".tar.gz"); received ${JSON.stringify(objects.suffix)}.`);
            resources = [pulumi.interpolate`${this.bucketArn}/${objects.prefix}*${objects.suffix}`];
        }
        return this.grantBucket(name, grantee, [{ Sid: `${this.label}Read`, Effect: "Allow", Action: "s3:GetObject", Resource: resources.length === 1 ? resources[0] : resources }], `${this.label}Decrypt`, ["kms:Decrypt"]);
    }
}

// ---------------------------------------------------------------- SNS topics

export interface TopicAttributes {
    readonly topicArn: pulumi.Input<string>;
    /** The topic's key (publishers need kms:GenerateDataKey* and kms:Decrypt). @default - no customer key */
    readonly keyArn?: pulumi.Input<string>;
    /** @default - unknown */
    readonly accountId?: pulumi.Input<string>;
}

/** An SNS topic by attributes (an on-call topic, an alerts topic). */
export class TopicRef {
    static fromTopicAttributes(attrs: TopicAttributes): TopicRef {
        return new TopicRef(attrs);
    }
    readonly topicArn: pulumi.Input<string>;
    readonly keyArn?: pulumi.Input<string>;
    readonly accountId?: pulumi.Input<string>;
    protected constructor(attrs: TopicAttributes) {
        this.topicArn = attrs.topicArn;
        this.keyArn = attrs.keyArn;
        this.accountId = attrs.accountId;
    }

    protected topicPolicy(): ResourcePolicyDocument | undefined {
        return undefined;
    }

    /** Statements to publish to these topics (their keys: kms:GenerateDataKey and kms:Decrypt, what SNS calls for a publisher). */
    static publishStatements(topics: readonly TopicRef[], sid = "Publish", keySid = "EncryptNotifications"): PolicyStatement[] {
        const keys = [...new Set(topics.flatMap((t) => (t.keyArn !== undefined ? [t.keyArn] : [])))];
        return [
            { Sid: sid, Effect: "Allow", Action: "sns:Publish", Resource: topics.length === 1 ? topics[0].topicArn : topics.map((t) => t.topicArn) },
            ...(keys.length > 0 ? [{ Sid: keySid, Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keys.length === 1 ? keys[0] : keys }] : []),
        ];
    }

    /** Lets a principal publish (and use the topic's key); cross-account, the topic policy statement too. */
    grantPublish(name: string, grantee: Grantee): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`${this.constructor.name}(${name})`, g, this.accountId);
        return applyGrant(name, g, cross, TopicRef.publishStatements([this]), [{ policy: this.topicPolicy(), statements: [{ Effect: "Allow", Action: "sns:Publish", Resource: this.topicArn }] }]);
    }

    /** Lets a principal subscribe endpoints to the topic. */
    grantSubscribe(name: string, grantee: Grantee): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`${this.constructor.name}(${name})`, g, this.accountId);
        const statements: PolicyStatement[] = [{ Sid: "Subscribe", Effect: "Allow", Action: "sns:Subscribe", Resource: this.topicArn }];
        return applyGrant(name, g, cross, statements, [{ policy: this.topicPolicy(), statements: [{ Effect: "Allow", Action: "sns:Subscribe", Resource: this.topicArn }] }]);
    }
}

// ---------------------------------------------------------------- Aurora (Data API)

export interface DatabaseAttributes {
    readonly clusterArn: pulumi.Input<string>;
    /** The secret the Data API authenticates with (a user's, or the master's). */
    readonly secretArn: pulumi.Input<string>;
    /** Key of the secret (kms:Decrypt through Secrets Manager). */
    readonly keyArn: pulumi.Input<string>;
    /** Region, to scope the key use to Secrets Manager. */
    readonly region: pulumi.Input<string>;
    /** @default - unknown */
    readonly accountId?: pulumi.Input<string>;
}

/** An Aurora cluster with the Data API, by attributes (another stack's database). */
export class DatabaseRef {
    static fromDatabaseAttributes(attrs: DatabaseAttributes): DatabaseRef {
        return new DatabaseRef(attrs);
    }
    protected constructor(readonly attrs: DatabaseAttributes) {}

    /** Data API statements for one secret: execute and transact on the cluster, read the secret, decrypt it through Secrets Manager. */
    static dataApiStatements(clusterArn: pulumi.Input<string>, secretArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, region: pulumi.Input<string>, whose: string): PolicyStatement[] {
        return [
            { Sid: "DataApi", Effect: "Allow", Action: ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"], Resource: clusterArn },
            { Sid: `Read${whose}Secret`, Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
            { Sid: `Decrypt${whose}Secret`, Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn, Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`secretsmanager.${region}.amazonaws.com` } } },
        ];
    }

    /** Lets a principal call the Data API with the reference's secret. */
    grantDataApi(name: string, grantee: Grantee): Grant {
        const g = asGrantable(grantee);
        const cross = isCrossAccount(`DatabaseRef(${name})`, g, this.attrs.accountId);
        if (cross) throw new Error(`DatabaseRef(${name}): the Data API is called from the database's account only; the principal names account ${g.accountId}, the database is in ${String(this.attrs.accountId)}.`);
        return applyGrant(name, g, false, DatabaseRef.dataApiStatements(this.attrs.clusterArn, this.attrs.secretArn, this.attrs.keyArn, this.attrs.region, "Own"));
    }
}

/**
 * Amazon Resource Names: one module that builds and parses them, used by the
 * mock engine (plan/mocks.ts synthesizes every resource's ARN), the policy pack
 * (policies/lib: the account of a principal or a resource), the local Data API
 * (request ARNs) and the functions. Pure: no I/O, no `@pulumi/*` imports.
 *
 *   arn:<partition>:<service>:<region>:<account>:<resource>
 *
 * Global services (IAM, S3, Route 53) leave region (and for S3 account) empty.
 */

export interface ArnParts {
    /** "aws", "aws-cn", "aws-us-gov"... @default "aws" */
    readonly partition?: string;
    readonly service: string;
    /** Empty for global services. @default "" */
    readonly region?: string;
    /** Empty for S3 buckets. @default "" */
    readonly account?: string;
    /** Everything after the fifth colon: "stream/name", "function:name", "role/path/name". */
    readonly resource: string;
}

export interface ParsedArn {
    readonly partition: string;
    readonly service: string;
    readonly region: string;
    readonly account: string;
    readonly resource: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function buildArn(parts: ArnParts): string {
    return `arn:${parts.partition ?? "aws"}:${parts.service}:${parts.region ?? ""}:${parts.account ?? ""}:${parts.resource}`;
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/;

/** The parts of an ARN, or undefined when `value` is not one (the resource keeps its own colons). */
export function parseArn(value: unknown): ParsedArn | undefined {
    if (typeof value !== "string") return undefined;
    const m = ARN.exec(value);
    return m ? { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] } : undefined;
}

/** The account of an IAM principal: a 12-digit id, or the account field of an iam/sts ARN. */
export function principalAccount(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const arn = parseArn(principal);
    return arn && (arn.service === "iam" || arn.service === "sts") && arn.region === "" && /^\d{12}$/.test(arn.account) ? arn.account : undefined;
}

/** The region of a regional ARN (e.g. a Secrets Manager secret's), or undefined. */
export function arnRegion(value: unknown): string | undefined {
    const arn = parseArn(value);
    return arn && arn.region !== "" ? arn.region : undefined;
}

/** Patterns of the ARNs the platform's arguments and requests take (any partition). */
export const ARN_PATTERNS = {
    kinesisStream: /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/,
    kinesisConsumer: /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+\/consumer\/[A-Za-z0-9_.-]+:\d+$/,
    rdsCluster: /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z0-9-]+$/,
    secret: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
    stateMachine: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
    execution: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/,
} as const;

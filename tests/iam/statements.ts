/**
 * Every IAM policy statement of a plan, normalised: one row per statement with
 * the principal it belongs to (a role's identity policies, or the resource
 * whose resource policy it is), its effect, sorted actions/resources/principals
 * and its condition, with every ARN, name and id the plan's mocks synthesised
 * replaced by `<type:logicalName>` so the rows do not depend on the mocks' ARN
 * formats. Used to record the IAM of main's plans (`record.ts`) and to compare
 * a branch's plan with them (`equal-or-narrower.test.ts`).
 */
import type { PlannedResource, ProgramResult } from "../../plan/engine";

export interface Row {
    /** `role:<logical>` for identity policies and trust policies (`trust:<logical>`), `<kind>:<logical>` for resource policies. */
    readonly owner: string;
    readonly effect: "Allow" | "Deny";
    /** Sorted; `NotAction` statements carry `notAction: true`. */
    readonly actions: string[];
    readonly notAction?: true;
    readonly resources: string[];
    readonly notResource?: true;
    /** Sorted principal entries `AWS=<arn>`, `Service=<svc>`, `*` (resource and trust policies). */
    readonly principals: string[];
    /** JSON of the condition with keys sorted and value lists sorted; "" without a condition. */
    readonly condition: string;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const parse = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : v);

function short(type: string): string {
    // aws:kinesis/stream:Stream -> kinesis/stream
    const m = /^aws:([^:]+):/.exec(type);
    return m ? m[1] : type;
}

function sortDeep(v: unknown): unknown {
    if (Array.isArray(v))
        return v
            .map(sortDeep)
            .map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
            .sort();
    if (v && typeof v === "object")
        return Object.fromEntries(
            Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as any)[k])]),
        );
    return v;
}

/** Physical identifiers (ARNs, names, ids, urls) -> `<type:logical>`, longest first. */
function symbolTable(plan: ProgramResult): (s: string) => string {
    const pairs: [string, string][] = [];
    for (const r of plan.resources) {
        if (!r.custom) continue;
        const sym = `<${short(r.type)}:${r.name}>`;
        for (const k of ["arn", "url", "bucket"]) {
            const v = r.outputs[k];
            if (typeof v === "string" && v.length >= 8) pairs.push([v, k === "arn" ? sym : `${sym}.${k}`]);
        }
    }
    pairs.sort((a, b) => b[0].length - a[0].length);
    const seen = new Set<string>();
    const unique = pairs.filter(([v]) => (seen.has(v) ? false : (seen.add(v), true)));
    return (s: string) => {
        let out = s;
        for (const [v, sym] of unique) if (out.includes(v)) out = out.split(v).join(sym);
        return out;
    };
}

function rows(owner: string, doc: any, sym: (s: string) => string): Row[] {
    const statements = doc?.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return statements.map((s: any): Row => {
        const principals: string[] = [];
        const p = s.Principal;
        if (p === "*") principals.push("*");
        else if (p) for (const [k, v] of Object.entries(p)) for (const x of list(v)) principals.push(`${k}=${sym(x)}`);
        return {
            owner,
            effect: s.Effect,
            actions: list(s.Action ?? s.NotAction).sort(),
            ...(s.NotAction !== undefined ? { notAction: true as const } : {}),
            resources: list(s.Resource ?? s.NotResource)
                .map(sym)
                .sort(),
            ...(s.NotResource !== undefined ? { notResource: true as const } : {}),
            principals: principals.sort(),
            condition: s.Condition === undefined ? "" : sym(JSON.stringify(sortDeep(s.Condition))),
        };
    });
}

/** Every statement of every identity, trust and resource policy in the plan, sorted. */
export function planStatements(plan: ProgramResult): Row[] {
    const sym = symbolTable(plan);
    const res = plan.resources.filter((r) => r.custom);
    const byType = (t: string) => res.filter((r) => r.type === t);
    const roles = byType("aws:iam/role:Role");
    const roleByName = new Map(roles.map((r) => [r.outputs.name as string, r]));
    const roleByUrn = new Map(roles.map((r) => [r.urn, r]));
    const ownerOf = (match: (r: PlannedResource) => boolean, kind: string, fallback: PlannedResource): string => {
        const target = res.find(match);
        return target ? `${kind}:${target.name}` : `${short(fallback.type)}:${fallback.name}`;
    };
    const out: Row[] = [];
    for (const r of roles) {
        out.push(...rows(`trust:${r.name}`, parse(r.inputs.assumeRolePolicy), sym));
        for (const ip of r.inputs.inlinePolicies ?? []) if (ip?.policy) out.push(...rows(`role:${r.name}`, parse(ip.policy), sym));
    }
    for (const rp of byType("aws:iam/rolePolicy:RolePolicy")) {
        const role = roleByName.get(rp.inputs.role) ?? (rp.parentUrn ? roleByUrn.get(rp.parentUrn) : undefined);
        out.push(...rows(role ? `role:${role.name}` : `rolePolicy:${rp.name}`, parse(rp.inputs.policy), sym));
    }
    const managed = new Map(byType("aws:iam/policy:Policy").map((p) => [p.outputs.arn as string, p]));
    const attached = new Set<string>();
    for (const att of byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
        const p = managed.get(att.inputs.policyArn);
        const role = roleByName.get(att.inputs.role);
        if (!p) {
            // AWS-managed policies: recorded by ARN, they carry no document here.
            out.push({ owner: `role:${role?.name ?? att.inputs.role}`, effect: "Allow", actions: [`managed-policy:${att.inputs.policyArn}`], resources: [], principals: [], condition: "" });
            continue;
        }
        attached.add(p.outputs.arn);
        out.push(...rows(`role:${role?.name ?? att.inputs.role}`, parse(p.inputs.policy), sym));
    }
    for (const [arn, p] of managed) if (!attached.has(arn)) out.push(...rows(`policy:${p.name}`, parse(p.inputs.policy), sym));
    for (const bp of byType("aws:s3/bucketPolicy:BucketPolicy")) {
        out.push(
            ...rows(
                ownerOf((b) => b.type === "aws:s3/bucket:Bucket" && (b.outputs.bucket === bp.inputs.bucket || b.outputs.id === bp.inputs.bucket), "bucket", bp),
                parse(bp.inputs.policy),
                sym,
            ),
        );
    }
    for (const k of byType("aws:kms/key:Key")) if (k.inputs.policy) out.push(...rows(`key:${k.name}`, parse(k.inputs.policy), sym));
    for (const kp of byType("aws:kms/keyPolicy:KeyPolicy")) {
        out.push(
            ...rows(
                ownerOf((k) => k.type === "aws:kms/key:Key" && (k.outputs.keyId === kp.inputs.keyId || k.outputs.arn === kp.inputs.keyId || k.outputs.id === kp.inputs.keyId), "key", kp),
                parse(kp.inputs.policy),
                sym,
            ),
        );
    }
    for (const sp of byType("aws:kinesis/resourcePolicy:ResourcePolicy")) {
        out.push(
            ...rows(
                ownerOf((s) => (s.type === "aws:kinesis/stream:Stream" || s.type === "aws:kinesis/streamConsumer:StreamConsumer") && s.outputs.arn === sp.inputs.resourceArn, "kinesis", sp),
                parse(sp.inputs.policy),
                sym,
            ),
        );
    }
    for (const tp of byType("aws:sns/topicPolicy:TopicPolicy")) {
        out.push(
            ...rows(
                ownerOf((t) => t.type === "aws:sns/topic:Topic" && t.outputs.arn === tp.inputs.arn, "topic", tp),
                parse(tp.inputs.policy),
                sym,
            ),
        );
    }
    for (const qp of byType("aws:sqs/queuePolicy:QueuePolicy")) {
        out.push(
            ...rows(
                ownerOf((q) => q.type === "aws:sqs/queue:Queue" && (q.outputs.url === qp.inputs.queueUrl || q.outputs.id === qp.inputs.queueUrl), "queue", qp),
                parse(qp.inputs.policy),
                sym,
            ),
        );
    }
    for (const q of byType("aws:sqs/queue:Queue")) if (q.inputs.policy) out.push(...rows(`queue:${q.name}`, parse(q.inputs.policy), sym));
    for (const t of byType("aws:sns/topic:Topic")) if (t.inputs.policy) out.push(...rows(`topic:${t.name}`, parse(t.inputs.policy), sym));
    for (const s of byType("aws:secretsmanager/secretPolicy:SecretPolicy")) out.push(...rows(`secretPolicy:${s.name}`, parse(s.inputs.policy), sym));
    for (const e of byType("aws:ecr/repositoryPolicy:RepositoryPolicy")) out.push(...rows(`ecrPolicy:${e.name}`, parse(e.inputs.policy), sym));
    // Anything else that carries a policy document.
    const handled = new Set([
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:kinesis/resourcePolicy:ResourcePolicy",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:sqs/queue:Queue",
        "aws:sns/topic:Topic",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ]);
    for (const r of res) {
        if (handled.has(r.type) || typeof r.inputs.policy !== "string" || !r.inputs.policy.includes("Statement")) continue;
        out.push(...rows(`${short(r.type)}:${r.name}`, parse(r.inputs.policy), sym));
    }
    return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

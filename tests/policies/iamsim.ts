/**
 * Least-privilege checks over a plan: evaluates the generated identity and
 * resource policies of the planned resources with @cloud-copilot/iam-simulate.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PlannedResource, ProgramResult } from "../../plan/engine";

function parse(v: unknown): any {
    return typeof v === "string" ? JSON.parse(v) : v;
}

export class PlanPolicies {
    constructor(readonly plan: ProgramResult) {}

    private byType(type: string): PlannedResource[] {
        return this.plan.resources.filter((r) => r.type === type);
    }

    /** The role with this logical name; throws listing the roles otherwise. */
    role(name: string): PlannedResource {
        const roles = this.byType("aws:iam/role:Role");
        const r = roles.find((x) => x.name === name);
        if (!r) throw new Error(`no role "${name}" in the ${this.plan.stack} plan; roles: ${roles.map((x) => x.name).join(", ")}`);
        return r;
    }

    roleArn(name: string): string {
        return this.role(name).outputs.arn;
    }

    /** Identity policies of a role: RolePolicies naming it (or parented to it), inline policies, managed Policies attached. */
    identityPolicies(roleName: string): { name: string; policy: any }[] {
        const role = this.role(roleName);
        const physical = role.outputs.name;
        const out: { name: string; policy: any }[] = [];
        for (const rp of this.byType("aws:iam/rolePolicy:RolePolicy")) {
            if (rp.inputs.role === physical || rp.parentUrn === role.urn) out.push({ name: rp.name, policy: parse(rp.inputs.policy) });
        }
        for (const ip of role.inputs.inlinePolicies ?? []) if (ip?.policy) out.push({ name: `${roleName}-inline-${ip.name}`, policy: parse(ip.policy) });
        const managed = new Map(this.byType("aws:iam/policy:Policy").map((p) => [p.outputs.arn, p]));
        for (const att of this.byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
            if (att.inputs.role !== physical) continue;
            const p = managed.get(att.inputs.policyArn);
            if (!p) throw new Error(`role "${roleName}" has attachment ${att.inputs.policyArn} that is not a policy of this plan`);
            out.push({ name: p.name, policy: parse(p.inputs.policy) });
        }
        return out;
    }

    /** The resource policy governing an ARN (bucket/object, key, stream/consumer, topic, queue), if any. */
    resourcePolicy(arn: string): any | undefined {
        const s3 = /^arn:aws:s3:::([^/]+)/.exec(arn);
        if (s3) {
            const bp = this.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === s3[1]);
            return bp ? parse(bp.inputs.policy) : undefined;
        }
        if (/^arn:aws:kms:/.test(arn)) {
            const key = this.byType("aws:kms/key:Key").find((k) => k.outputs.arn === arn);
            const kp = this.byType("aws:kms/keyPolicy:KeyPolicy").find((k) => k.inputs.keyId === key?.outputs.keyId || k.inputs.keyId === arn);
            return kp ? parse(kp.inputs.policy) : key ? parse(key.inputs.policy) : undefined;
        }
        if (/^arn:aws:kinesis:/.test(arn)) {
            const rp = this.byType("aws:kinesis/resourcePolicy:ResourcePolicy").find((p) => p.inputs.resourceArn === arn);
            return rp ? parse(rp.inputs.policy) : undefined;
        }
        if (/^arn:aws:sns:/.test(arn)) {
            const tp = this.byType("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === arn);
            return tp ? parse(tp.inputs.policy) : undefined;
        }
        if (/^arn:aws:sqs:/.test(arn)) {
            const q = this.byType("aws:sqs/queue:Queue").find((x) => x.outputs.arn === arn);
            const qp = this.byType("aws:sqs/queuePolicy:QueuePolicy").find((p) => p.inputs.queueUrl === q?.outputs.url);
            return qp ? parse(qp.inputs.policy) : undefined;
        }
        return undefined;
    }

    /** Physical ARN (outputs.arn) of a resource by type and logical name. */
    arn(type: string, name: string): string {
        const found = this.byType(type).find((r) => r.name === name);
        if (!found)
            throw new Error(
                `no ${type} "${name}" in the ${this.plan.stack} plan; found: ${this.byType(type)
                    .map((r) => r.name)
                    .join(", ")}`,
            );
        return found.outputs.arn;
    }

    /** "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied" for a role calling action on resource. */
    async decide(roleName: string, action: string, resourceArn: string, accountId: string, context: Record<string, string | string[]> = {}): Promise<string> {
        const principal = this.roleArn(roleName);
        const result = await runSimulation(
            {
                request: { principal, action, resource: { resource: resourceArn, accountId }, contextVariables: { "aws:SecureTransport": "true", ...context } },
                identityPolicies: this.identityPolicies(roleName),
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: this.resourcePolicy(resourceArn),
            },
            {},
        );
        if (result.resultType === "error") throw new Error(`simulation of ${action} on ${resourceArn} by ${roleName} failed: ${JSON.stringify(result.errors)}`);
        return result.overallResult;
    }
}

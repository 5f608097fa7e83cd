import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";

export const meta = {
    id: "rds-managed-master-password",
    description: "RDS DB instances and clusters do not set a master password in the program (password / masterPassword); they set manageMasterUserPassword true so RDS keeps it in Secrets Manager.",
    enforcementLevel: "mandatory" as const,
    why: "A password in the program lives in source, state and plan output, is never rotated and is shared by everyone who can read them.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

const PROP: Record<string, string> = { "aws:rds/instance:Instance": "password", "aws:rds/cluster:Cluster": "masterPassword" };

export const check: ResourceValidation = (args, reportViolation) => {
    const prop = PROP[args.type];
    if (!prop) args.notApplicable("Policy only applies to RDS DB instances and clusters");
    if (args.props[prop] !== undefined && args.props[prop] !== null && args.props[prop] !== "") {
        reportViolation(`${prop} is set in the program (it ends up in source, state and plans); remove it and set manageMasterUserPassword true so RDS keeps the password in Secrets Manager.`);
    }
};

export default resourceRule(meta, check);

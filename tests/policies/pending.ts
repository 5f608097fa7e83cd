/**
 * Plan findings whose stack fixes land on the h16b branch (WAF on the
 * ingestion ALB, VPC flow logs, default security groups, the ALB's HTTP
 * listener port 80, the ALB log-delivery grant conditions). The plan test
 * keeps them in a pending test "until the h16b merge"; after that merge the
 * lead unskips it and deletes this list.
 */
import type { Violation } from "../../plan/report";

export const H16B_RULES = ["vpc-flow-logs", "ec2-default-security-group-closed", "alb-waf"];

export function fixedOnH16b(v: Violation): boolean {
    if (H16B_RULES.includes(v.policy)) return true;
    if (v.policy === "ec2-no-open-ingress" && /::[a-z0-9-]+-alb-http$/.test(v.resource)) return true;
    if (v.policy === "resource-policy-service-confused-deputy" && /::[a-z0-9-]+-alb-logs$/.test(v.resource)) return true;
    return false;
}

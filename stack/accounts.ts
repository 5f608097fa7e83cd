/**
 * One aws.Provider per logical account: assume-role into the account's deploy
 * role, pinned with `allowedAccountIds`, in the account's region, with the
 * required tags as `defaultTags` so they reach every taggable child.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountConfig, StackConfig, allAccounts } from "./config";

export interface AccountProviders {
    readonly ingestion: aws.Provider;
    readonly lake: aws.Provider;
    readonly analytics: aws.Provider;
    /** Keyed by pond name. */
    readonly ponds: Record<string, aws.Provider>;
    /** us-east-1 provider in the ingestion account (Route 53 health-check metrics live there). */
    readonly ingestionUsEast1: aws.Provider;
    /** Every provider keyed by logical account name (ingestion, lake, analytics, pond-<name>). */
    readonly byAccount: Record<string, aws.Provider>;
}

export function providerArgs(account: AccountConfig, config: StackConfig, region?: string): aws.ProviderArgs {
    return {
        region: (region ?? account.region) as aws.Region,
        allowedAccountIds: [account.accountId],
        assumeRoles: account.roleArn ? [{ roleArn: account.roleArn, sessionName: `flightstream-${config.stack}-${account.name}`, externalId: account.externalId }] : undefined,
        defaultTags: { tags: { ...config.tags, Account: account.name } },
    };
}

export function createProviders(config: StackConfig, opts: pulumi.CustomResourceOptions = {}): AccountProviders {
    const byAccount: Record<string, aws.Provider> = {};
    for (const account of allAccounts(config)) {
        byAccount[account.name] = new aws.Provider(`aws-${account.name}`, providerArgs(account, config), opts);
    }
    const ingestionUsEast1 = new aws.Provider("aws-ingestion-us-east-1", providerArgs(config.accounts.ingestion, config, "us-east-1"), opts);
    return {
        ingestion: byAccount.ingestion,
        lake: byAccount.lake,
        analytics: byAccount.analytics,
        ponds: Object.fromEntries(config.ponds.map((p) => [p.pond, byAccount[p.name]])),
        ingestionUsEast1,
        byAccount,
    };
}

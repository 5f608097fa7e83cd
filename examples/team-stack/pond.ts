/**
 * The team's own pond dataset, kept in this folder (datasets/<name>/:
 * dataset.yaml + dataset.sql, no TypeScript per dataset): a pond in the
 * team's account filled by a PondEtl that reads the platform's lake. The
 * lake's names come from the platform stack's `lake` output (index.ts reads
 * it through StackReference).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AlarmRouting, Pond, PondEtl } from "@flightstream/components";
import { TopicRef } from "@flightstream/components/common/grants";

/** This folder's datasets (one folder each). */
export const TEAM_DATASET_ROOT = path.join(__dirname, "datasets");

export interface TeamPondArgs {
    readonly accountId: string;
    readonly region: string;
    /** The platform's lake (its stack's `lake` output). */
    readonly lake: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string>; databaseName: pulumi.Input<string> };
    readonly readerPrincipalArns: pulumi.Input<string>[];
    /** Notified when an ETL run fails (the team's `OnCall.topics.ticket`). */
    readonly failureTopic: TopicRef;
    readonly routing: AlarmRouting;
}

export function teamPond(args: TeamPondArgs, provider: aws.Provider): { pond: Pond; etl: PondEtl } {
    const datasets = ["route_cabin_searches_daily"];
    const roots = [TEAM_DATASET_ROOT];
    const pond = new Pond(
        "web-pond",
        {
            pond: "web",
            team: "web-team",
            accountId: args.accountId,
            region: args.region,
            datasets,
            datasetRoots: roots,
            readerPrincipalArns: args.readerPrincipalArns,
        },
        { provider },
    );
    const etl = new PondEtl(
        "web-pond-etl",
        {
            pond: "web",
            datasets,
            datasetRoots: roots,
            schedule: "cron(30 3 * * ? *)",
            accountId: args.accountId,
            region: args.region,
            lakeBucketName: args.lake.bucketName,
            lakeBucketArn: args.lake.bucketArn,
            lakeKeyArn: args.lake.keyArn,
            lakeDatabaseName: args.lake.databaseName,
            pondAccountId: args.accountId,
            pondBucketName: pond.bucketName,
            pondBucketArn: pond.bucketArn,
            pondKeyArn: pond.keyArn,
            failureTopic: args.failureTopic,
            alarms: { routing: args.routing },
        },
        { provider },
    );
    return { pond, etl };
}

/**
 * The lake and its ponds, each piece in its account:
 *   DataLake (lake) ← LakeDelivery (ingestion, Firehose from the stream)
 *   LakeCatalog (lake)
 *   per pond: Pond (pond-<name>) ← PondEtl (lake: schedule → state machine)
 *
 * Cross-account access is granted after the component that owns the role:
 * the delivery role (ingestion account) writes the lake, each pond ETL role
 * (lake account) writes its pond, the reader roles of the ponds listed in
 * `lake.readers` read the lake's `data/`; the lake's and ponds' bucket and key
 * policies are written from those grants once the program is constructed.
 */
import * as pulumi from "@pulumi/pulumi";
import { principals } from "@flightstream/components/common/grants";
import { AlarmRouting } from "@flightstream/components/common/alarms";
import { TopicRef } from "@flightstream/components/common/grants";
import { DataLake, LakeCatalog, LakeDelivery } from "@flightstream/components/lake";
import { Pond, PondEtl } from "@flightstream/components/pond";
import { AccountProviders } from "./accounts";
import { StackConfig } from "./config";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

export interface LakeDeployArgs {
    readonly config: StackConfig;
    readonly providers: AccountProviders;
    /** The Kinesis stream the lake is fed from (ingestion account). */
    readonly stream: {
        readonly name: pulumi.Input<string>;
        readonly arn: pulumi.Input<string>;
        /** The stream's customer KMS key, if any. */
        readonly kmsKeyArn?: pulumi.Input<string>;
    };
    /** Alarm routing per account: delivery alarms live in ingestion, lake and ETL alarms in lake. */
    readonly alarmRouting: { readonly ingestion?: AlarmRouting; readonly lake?: AlarmRouting };
    /** SNS topic (lake account) notified when a pond ETL run fails, and its KMS key. */
    readonly etlFailureTopicArn: pulumi.Input<string>;
    readonly etlFailureTopicKmsKeyArn?: pulumi.Input<string>;
}

/** What deployLake creates (its return value's type). */
export type LakeDeployment = ReturnType<typeof deployLake>;

/**
 * Deploys the lake, its delivery and catalog, and every pond with its ETL;
 * returns them (`ponds` and `etl` keyed by pond name) with the stack outputs
 * `lake` and `ponds`.
 */
export function deployLake(args: LakeDeployArgs) {
    const { config, providers } = args;
    const lakeAccount = config.accounts.lake;
    const ingestion = config.accounts.ingestion;
    const dev = !config.isProd;

    const lake = new DataLake(
        "lake",
        {
            accountId: lakeAccount.accountId,
            region: lakeAccount.region,
            archiveTiers: config.lake.archiveTiers,
            forceDestroy: dev,
            alarms: { routing: args.alarmRouting.lake },
        },
        { provider: providers.lake },
    );

    const delivery = new LakeDelivery(
        "lake-delivery",
        {
            accountId: ingestion.accountId,
            region: ingestion.region,
            streamArn: args.stream.arn,
            streamKmsKeyArn: args.stream.kmsKeyArn,
            lakeBucketArn: lake.bucketArn,
            lakeKeyArn: lake.keyArn,
            bufferSizeMiB: config.lake.bufferSizeMiB,
            bufferIntervalSeconds: config.lake.bufferIntervalSeconds,
            alarms: { routing: args.alarmRouting.ingestion },
        },
        { provider: providers.ingestion },
    );
    lake.grantWrite("lake-delivery", principals.roleArn(delivery.role.arn, ingestion.accountId));

    const catalog = new LakeCatalog(
        "lake-catalog",
        {
            accountId: lakeAccount.accountId,
            region: lakeAccount.region,
            bucketName: lake.bucketName,
        },
        { provider: providers.lake },
    );

    const ponds: Record<string, Pond> = {};
    const etl: Record<string, PondEtl> = {};
    for (const p of config.ponds) {
        const pond = new Pond(
            `pond-${p.pond}`,
            {
                pond: p.pond,
                team: p.team,
                accountId: p.accountId,
                region: p.region,
                datasets: p.datasets,
                readerPrincipalArns: p.readerPrincipalArns,
                lakeRead: config.lake.readers.includes(p.pond) ? lake.ref : undefined,
                archiveTiers: config.lake.archiveTiers,
                forceDestroy: dev,
            },
            { provider: providers.ponds[p.pond] },
        );
        ponds[p.pond] = pond;

        const job = new PondEtl(
            `pond-etl-${p.pond}`,
            {
                pond: p.pond,
                datasets: p.datasets,
                schedule: p.schedule,
                accountId: lakeAccount.accountId,
                region: lakeAccount.region,
                lakeBucketName: lake.bucketName,
                lakeBucketArn: lake.bucketArn,
                lakeKeyArn: lake.keyArn,
                lakeDatabaseName: catalog.databaseName,
                pondAccountId: p.accountId,
                pondBucketName: pond.bucketName,
                pondBucketArn: pond.bucketArn,
                pondKeyArn: pond.keyArn,
                failureTopic: TopicRef.fromTopicAttributes({ topicArn: args.etlFailureTopicArn, keyArn: args.etlFailureTopicKmsKeyArn }),
                alarms: { routing: args.alarmRouting.lake },
            },
            { provider: providers.lake },
        );
        etl[p.pond] = job;
        pond.grantWrite(`pond-etl-${p.pond}`, principals.roleArn(job.etlRoleArn, lakeAccount.accountId));
    }

    const outputs: Pick<PlatformStackExports, "lake" | "ponds"> = {
        lake: {
            bucket: lake.bucketName,
            keyArn: lake.keyArn,
            database: catalog.databaseName,
            eventsTable: catalog.eventsTableName,
            deliveryStream: delivery.deliveryStreamName,
            deliveryRoleArn: delivery.role.arn,
        },
        ponds: Object.fromEntries(
            config.ponds.map((p) => [
                p.pond,
                {
                    account: p.accountId,
                    bucket: ponds[p.pond].bucketName,
                    readerRoleArn: ponds[p.pond].readerRole.arn,
                    stateMachineArn: etl[p.pond].workflow.stateMachine.arn,
                    etlRoleArn: etl[p.pond].etlRoleArn,
                },
            ]),
        ),
    };
    return { lake, delivery, catalog, ponds, etl, outputs };
}

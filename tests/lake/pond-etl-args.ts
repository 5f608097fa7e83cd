import { TopicRef } from "@flightstream/components/common/grants";

/**
 * PondEtl arguments for a test pond: the lake in account 222222222222 (bucket
 * "lake", database "fs_lake"), the pond `pond-<pond>` in account 333333333333,
 * run daily at 02:15 UTC.
 */
export function pondEtlArgs(pond: string, datasets: string[]) {
    return {
        pond,
        datasets,
        schedule: "cron(15 2 * * ? *)",
        accountId: "222222222222",
        region: "eu-west-1",
        lakeBucketName: "lake",
        lakeBucketArn: "arn:aws:s3:::lake",
        lakeKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/lake",
        lakeDatabaseName: "fs_lake",
        pondAccountId: "333333333333",
        pondBucketName: `pond-${pond}`,
        pondBucketArn: `arn:aws:s3:::pond-${pond}`,
        pondKeyArn: "arn:aws:kms:eu-west-1:333333333333:key/pond",
        failureTopic: TopicRef.fromTopicAttributes({ topicArn: "arn:aws:sns:eu-west-1:222222222222:t" }),
    };
}

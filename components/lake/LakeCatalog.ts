/**
 * Glue catalog over the lake (lake account): a database and one `events`
 * table partitioned by `type`, `dt`, `hour` with partition
 * projection, so Athena finds partitions from the layout
 * (functions/lake/partitioning.ts) without crawlers or partition registration.
 *
 * Projection: `type` enum (the event types), `dt` date `yyyy-MM-dd` from
 * `projectionStartDay` (default: the first UTC day an accepted event can fall
 * on, LAKE_DAY_RANGE.first) to NOW+1DAYS (events may be up to the validator's
 * future bound ahead of now), `hour` integer 00..23. Rows are the JSON envelope
 * (OpenX JSON SerDe; `type` comes from the path, `source` is a column).
 * Resources: aws.glue.CatalogDatabase,
 * aws.glue.CatalogTable.
 */
import { Grant, Grantee, applyGrant, asGrantable } from "../common/grants";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "../common/iam";
import { validator } from "../common/validation";
import { checkAccountArgs } from "../common/args";
import { LAKE_DAY_RANGE } from "../../functions/shared/events";
import { eventTypes as platformEventTypes, type CatalogColumn, type EventTypeRegistry } from "../../functions/shared/event-types";
import { DATA_PREFIX, partitionTypes } from "../../functions/lake/partitioning";

export interface LakeCatalogArgs {
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    /** Lake bucket name. */
    readonly bucketName: pulumi.Input<string>;
    /** Glue database name (lower-case letters, digits, _). @default - `<project>_<stack>_lake` */
    readonly databaseName?: string;
    /**
     * First day partition projection covers (YYYY-MM-DD); must not be after the
     * first UTC day the validator accepts, or accepted events would be invisible
     * to Athena and the ponds. @default "1999-12-31" (LAKE_DAY_RANGE.first)
     */
    readonly projectionStartDay?: string;
    /**
     * The event types the table projects and the columns it has.
     * @default the platform's registry (functions/shared/event-types)
     */
    readonly eventTypes?: EventTypeRegistry;
}

/** Columns of the `events` table: the envelope, then every registered type's fields (`type` is a partition column, `source` a column). */
export function eventColumns(registry: EventTypeRegistry = platformEventTypes): CatalogColumn[] {
    return registry.catalogColumns();
}

/** The platform registry's columns. */
export const EVENT_COLUMNS: CatalogColumn[] = eventColumns();

export const EVENT_PARTITION_KEYS = [
    { name: "type", type: "string" },
    { name: "dt", type: "string" },
    { name: "hour", type: "string" },
];

export function defaultDatabaseName(suffix: string): string {
    return `${pulumi.getProject()}_${pulumi.getStack()}_${suffix}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export class LakeCatalog extends pulumi.ComponentResource {
    readonly database: aws.glue.CatalogDatabase;
    readonly eventsTable: aws.glue.CatalogTable;
    readonly databaseName: string;
    /** `<database>.events`, for SQL. */
    readonly eventsTableName: string;
    private readonly accountId: pulumi.Input<string>;
    private readonly region: pulumi.Input<string>;

    constructor(name: string, args: LakeCatalogArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:lake:LakeCatalog", name, {}, opts);
        const v = validator("LakeCatalog", name);
        checkAccountArgs(v, args);
        this.databaseName = args.databaseName ?? defaultDatabaseName("lake");
        v.pattern("databaseName", this.databaseName, /^[a-z0-9_]{1,255}$/, "1 to 255 lower-case letters, digits or _");
        const start = args.projectionStartDay ?? LAKE_DAY_RANGE.first;
        v.pattern("projectionStartDay", start, /^\d{4}-\d{2}-\d{2}$/, "a day in YYYY-MM-DD form");
        v.check("projectionStartDay", !(/^\d{4}-\d{2}-\d{2}$/.test(start) && start > LAKE_DAY_RANGE.first), `a day on or before ${LAKE_DAY_RANGE.first}, the first UTC day an accepted event can fall on`, start);
        this.accountId = args.accountId;
        this.region = args.region;
        this.eventsTableName = `${this.databaseName}.events`;
        const registry = args.eventTypes ?? platformEventTypes;

        this.database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            {
                name: this.databaseName,
                catalogId: args.accountId,
                description: "Flight events lake (JSON lines, gzip), partitioned by type/dt/hour",
            },
            { parent: this },
        );
        const root = pulumi.interpolate`s3://${args.bucketName}/${DATA_PREFIX}`;
        this.eventsTable = new aws.glue.CatalogTable(
            `${name}-events`,
            {
                name: "events",
                catalogId: args.accountId,
                databaseName: this.database.name,
                tableType: "EXTERNAL_TABLE",
                description: "Every event of the stream, one JSON object per line",
                parameters: {
                    classification: "json",
                    compressionType: "gzip",
                    EXTERNAL: "TRUE",
                    "projection.enabled": "true",
                    "projection.type.type": "enum",
                    "projection.type.values": partitionTypes(registry).join(","),
                    "projection.dt.type": "date",
                    "projection.dt.format": "yyyy-MM-dd",
                    "projection.dt.range": `${start},NOW+1DAYS`,
                    "projection.dt.interval": "1",
                    "projection.dt.interval.unit": "DAYS",
                    "projection.hour.type": "integer",
                    "projection.hour.range": "0,23",
                    "projection.hour.digits": "2",
                    "storage.location.template": pulumi.interpolate`${root}type=\${type}/dt=\${dt}/hour=\${hour}/`,
                },
                partitionKeys: EVENT_PARTITION_KEYS,
                storageDescriptor: {
                    location: root,
                    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
                    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    compressed: true,
                    serDeInfo: {
                        name: "json",
                        serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
                        parameters: { "case.insensitive": "true", "ignore.malformed.json": "false", "serialization.format": "1" },
                    },
                    columns: eventColumns(registry).map((c) => ({ ...c })),
                },
            },
            { parent: this },
        );
        this.registerOutputs({ database: this.database, eventsTable: this.eventsTable });
    }

    /** Glue read access to the lake database and its tables (what Athena needs to plan a query). */
    readStatements(): PolicyStatement[] {
        const base = pulumi.interpolate`arn:aws:glue:${this.region}:${this.accountId}`;
        return [
            {
                Effect: "Allow",
                Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
                Resource: [pulumi.interpolate`${base}:catalog`, pulumi.interpolate`${base}:database/${this.databaseName}`, pulumi.interpolate`${base}:table/${this.databaseName}/*`],
            },
        ];
    }

    /** Lets a principal plan Athena queries over the lake database (Glue reads); same account as the catalog. */
    grantQuery(name: string, grantee: Grantee): Grant {
        return applyGrant(name, asGrantable(grantee), false, this.readStatements());
    }

    /** @deprecated use grantQuery */
    grantRead(name: string, grantee: Grantee): Grant {
        return this.grantQuery(name, grantee);
    }
}

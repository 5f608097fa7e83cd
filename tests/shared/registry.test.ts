import { expect } from "chai";
import * as fs from "node:fs";
import { LakeCatalog } from "@flightstream/components/lake";
import { EVENT_TYPE_DEFINITIONS, EventTypeRegistry, eventTypes, f, optional, pondColumns, type EventTypeDefinition } from "../../functions/shared/event-types";
import { EVENT_TYPES, validateEvent } from "../../functions/shared/events";
import { PartitionError, partitionKeysIn, partitionKeysOf } from "../../functions/lake/partitioning";
import { DOC, render } from "../../scripts/event-types-doc";
import { evaluate, one } from "../helpers/pulumi";

/** A type that exists only in this test: adding it to a registry must show up everywhere. */
const gateChange: EventTypeDefinition = {
    name: "test_gate_change",
    description: "A flight's gate changed (test-only type).",
    producedBy: "tests",
    fields: {
        airport: f.airport("airport of the gate"),
        gate: f.id("the new gate"),
        previousGate: optional(f.id("the old gate")),
        flight: f.object({ carrier: f.carrier("airline"), number: f.flightNumber("flight number"), terminal: f.integer(1, 9, "terminal") }, "the flight"),
    },
    lake: { timeField: "occurredAt" },
    example: {},
};
const withTestType = new EventTypeRegistry([...EVENT_TYPE_DEFINITIONS, gateChange]);
const gateEvent = {
    eventId: "g1",
    type: "test_gate_change",
    occurredAt: "2026-11-22T23:30:00-02:00",
    source: "airport-ops",
    airport: "ZRH",
    gate: "A12",
    flight: { carrier: "LX", number: "2084", terminal: 2 },
};

describe("event-type registry (issue 19)", () => {
    it("drives EVENT_TYPES, with flight_status registered after the four traffic types", () => {
        expect(EVENT_TYPES).to.deep.equal(["search", "offer", "booking", "cancellation", "flight_status"]);
        expect(eventTypes.names).to.deep.equal(EVENT_TYPES);
    });

    it("accepts each type's declared example, flight_status included", () => {
        for (const d of EVENT_TYPE_DEFINITIONS) expect(validateEvent(d.example), d.name).to.deep.equal({ ok: true, value: d.example });
    });

    describe("flight_status", () => {
        const example = EVENT_TYPE_DEFINITIONS.find((d) => d.name === "flight_status")!.example as Record<string, any>;
        it("fails when status is not an AviationStack status, naming the allowed ones", () => {
            expect(validateEvent({ ...example, status: "delayed" })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "status", message: 'status must be one of "scheduled", "active", "landed", "cancelled", "incident", "diverted"; received "delayed"' }],
            });
        });
        it("fails when a time has no offset, a delay is negative, or both ends are one airport", () => {
            expect(validateEvent({ ...example, departure: { ...example.departure, scheduled: "2026-12-01T07:05:00" } })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "departure.scheduled", message: 'departure.scheduled must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-12-01T07:05:00"' }],
            });
            expect(validateEvent({ ...example, departure: { ...example.departure, delayMinutes: -5 } })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "departure.delayMinutes", message: "departure.delayMinutes must be an integer from 0 to 4320; received -5" }],
            });
            expect(validateEvent({ ...example, arrival: { ...example.arrival, airport: "ZRH" } })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "arrival.airport", message: 'arrival.airport must differ from departure.airport; both are "ZRH"' }],
            });
        });
        it("fails when a time is outside the bounds (year 2100, offset +15:00)", () => {
            expect(validateEvent({ ...example, arrival: { ...example.arrival, actual: "2100-01-01T00:00:00Z" } })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "arrival.actual", message: 'arrival.actual must be a date and time from 2000-01-01 to 2099-12-31; received "2100-01-01T00:00:00Z"' }],
            });
            expect(validateEvent({ ...example, arrival: { ...example.arrival, estimated: "2026-12-01T09:10:00+15:00" } })).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "arrival.estimated", message: 'arrival.estimated must have a UTC offset from -12:00 to +14:00 (or Z); received "2026-12-01T09:10:00+15:00"' }],
            });
        });
        it("lands under type=flight_status, at its occurredAt's UTC hour (08:10Z)", () => {
            expect(partitionKeysOf(example)).to.deep.equal({ type: "flight_status", dt: "2026-12-01", hour: "08" });
        });
    });

    describe("a test-only type added to a registry shows up in each derived piece", () => {
        it("validation: accepted by the registry that has it, with its own messages; refused by the platform's", () => {
            expect(withTestType.validateAt(gateEvent, 0)).to.deep.equal({ ok: true, value: gateEvent });
            expect(withTestType.isValid(gateEvent)).to.equal(true);
            expect(withTestType.validateAt({ ...gateEvent, flight: { ...gateEvent.flight, terminal: 0 } }, 3)).to.deep.equal({
                ok: false,
                errors: [{ index: 3, path: "flight.terminal", message: "flight.terminal must be an integer from 1 to 9; received 0" }],
            });
            expect(withTestType.validateAt({ ...gateEvent, type: "refund" }, 0)).to.deep.equal({
                ok: false,
                errors: [{ index: 0, path: "type", message: 'type must be one of "search", "offer", "booking", "cancellation", "flight_status", "test_gate_change"; received "refund"' }],
            });
            expect(validateEvent(gateEvent).ok).to.equal(false);
        });

        it("lake layout: partitioned under type=test_gate_change by its UTC event hour; the platform's registry has no partition for it", () => {
            expect(partitionKeysIn(withTestType, gateEvent)).to.deep.equal({ type: "test_gate_change", dt: "2026-11-23", hour: "01" });
            expect(() => partitionKeysOf(gateEvent)).to.throw(PartitionError, 'type must be one of the registered event types ("search", "offer", "booking", "cancellation", "flight_status"); received "test_gate_change"');
        });

        it("Glue: the LakeCatalog projects the type and has its columns (flight merged with the booked flight's struct)", async () => {
            const r = await evaluate(() => new LakeCatalog("c", { accountId: "222222222222", region: "eu-west-1", bucketName: "lake", eventTypes: withTestType }));
            const table = one(r, "aws:glue/catalogTable:CatalogTable");
            expect(table.inputs.parameters["projection.type.values"]).to.equal("search,offer,booking,cancellation,flight_status,test_gate_change");
            const cols = table.inputs.storageDescriptor.columns as { name: string; type: string; comment: string }[];
            expect(cols.find((c) => c.name === "gate")).to.deep.equal({ name: "gate", type: "string", comment: "test_gate_change: the new gate" });
            expect(cols.find((c) => c.name === "previousgate")?.type).to.equal("string");
            expect(cols.find((c) => c.name === "airport")?.type).to.equal("string");
            expect(cols.find((c) => c.name === "flight")).to.deep.equal({
                name: "flight",
                type: "struct<carrier:string,number:string,departuredate:string,origin:string,destination:string,terminal:int>",
                comment: "booking, cancellation, flight_status, test_gate_change: the booked flight",
            });
            const platform = await evaluate(() => new LakeCatalog("c", { accountId: "222222222222", region: "eu-west-1", bucketName: "lake" }));
            const p = one(platform, "aws:glue/catalogTable:CatalogTable");
            expect(p.inputs.parameters["projection.type.values"]).to.equal("search,offer,booking,cancellation,flight_status");
            expect((p.inputs.storageDescriptor.columns as { name: string }[]).map((c) => c.name)).to.deep.equal([
                "eventid",
                "source",
                "occurredat",
                "origin",
                "destination",
                "departuredate",
                "returndate",
                "passengers",
                "cabin",
                "carrier",
                "price",
                "bookingid",
                "flight",
                "seats",
                "fare",
                "status",
                "departure",
                "arrival",
            ]);
        });

        it("pond SQL inputs: the type's columns with DuckDB types, alone or with the others", () => {
            expect(withTestType.pondColumns(["test_gate_change"])).to.deep.equal([
                { name: "eventId", duckdb: "VARCHAR" },
                { name: "source", duckdb: "VARCHAR" },
                { name: "occurredAt", duckdb: "VARCHAR" },
                { name: "airport", duckdb: "VARCHAR" },
                { name: "gate", duckdb: "VARCHAR" },
                { name: "previousGate", duckdb: "VARCHAR" },
                { name: "flight", duckdb: "STRUCT(carrier VARCHAR, number VARCHAR, terminal INTEGER)" },
            ]);
            expect(pondColumns(["flight_status"]).map((c) => c.name)).to.deep.equal(["eventId", "source", "occurredAt", "flight", "status", "departure", "arrival"]);
            expect(() => pondColumns(["refund"])).to.throw('pondColumns: `types` must name registered event types (search, offer, booking, cancellation, flight_status); received "refund"');
        });

        it("docs: the generated table has a row for it", () => {
            const table = withTestType.docsTable();
            expect(table).to.include(
                '| `test_gate_change` | tests | A flight\'s gate changed (test-only type).<br>`airport`: 3-letter upper-case IATA airport code ("ZRH")<br>`gate`: string, 1 to 128 characters<br>`previousGate?`: string, 1 to 128 characters',
            );
            expect(table).to.include("`data/type=test_gate_change/dt=<UTC day of occurredAt>/hour=<HH>/`");
        });
    });

    it("docs/event-types.md holds the table generated from the platform registry (regenerate with scripts/event-types-doc.ts)", () => {
        const doc = fs.readFileSync(DOC, "utf8");
        expect(render(doc)).to.equal(doc);
        for (const name of EVENT_TYPES) expect(doc).to.include(`| \`${name}\` |`);
    });

    describe("refuses a registry that cannot hold", () => {
        it("fails when a type name is not a lake partition value", () => {
            expect(() => new EventTypeRegistry([{ ...gateChange, name: "Gate-Change" }])).to.throw(
                'EventTypeRegistry: event type `name` must be 1 to 32 lower-case letters or _ starting with a letter (it is the lake\'s type= value); received "Gate-Change"',
            );
        });
        it("fails when a name is declared twice", () => {
            expect(() => new EventTypeRegistry([gateChange, gateChange])).to.throw('EventTypeRegistry: event type "test_gate_change" is declared twice; each name must be unique');
        });
        it("fails when a type redeclares an envelope field", () => {
            expect(() => new EventTypeRegistry([{ ...gateChange, fields: { ...gateChange.fields, source: f.id("x") } }])).to.throw(
                'EventTypeRegistry: event type "test_gate_change" declares field `source`, which is an envelope field (eventId, type, occurredAt, source); declare only the type\'s own fields',
            );
        });
        it("fails when two types give one column two types", () => {
            const clash = { ...gateChange, name: "test_clash", fields: { seats: f.id("seat list") } };
            expect(() => new EventTypeRegistry([...EVENT_TYPE_DEFINITIONS, clash])).to.throw(
                'EventTypeRegistry: column `seats` is int in booking, cancellation but string in test_clash; one lake column has one type, so rename the field of "test_clash"',
            );
        });
        it("fails when a rule names a field the type does not have", () => {
            expect(() => new EventTypeRegistry([{ ...gateChange, rules: [{ kind: "differ", first: "gate", second: "nope" }] }])).to.throw(
                'EventTypeRegistry: event type "test_gate_change" rule differ names `nope`, which is not one of its fields',
            );
        });
        it("fails when the lake time field is not occurredAt", () => {
            expect(() => new EventTypeRegistry([{ ...gateChange, lake: { timeField: "gate" as "occurredAt" } }])).to.throw(
                'EventTypeRegistry: event type "test_gate_change" `lake.timeField` must be "occurredAt" (the producer frames by occurredAt\'s UTC hour); received "gate"',
            );
        });
    });
});

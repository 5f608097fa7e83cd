/**
 * The demo's done-when in virtual time (bench/demo-alerts.ts): the demo's
 * backfill (the same generated events and sampling) trained with the training
 * job's trainer, then the demo's traffic plan at its default rate for an hour
 * of steady traffic plus 20 minutes with the hot route hot, through the alert
 * engine (the processor's judgement and episode rule). The start is pinned.
 */
import { expect } from "chai";
import { demandRowsOf, runDemoAlerts } from "../../bench/demo-alerts";

describe("demo alerts in virtual time (default rate, model trained on the backfill)", function () {
    this.timeout(600_000);

    it("counts training rows as the SQL does: searches on their route, bookings on their flight's, each identity once", () => {
        const at = "2026-12-02T09:10:00.000Z";
        const rows = demandRowsOf([
            { type: "search", eventId: "a", source: "web-eu", origin: "ZRH", destination: "LIS", occurredAt: at },
            { type: "search", eventId: "a", source: "web-eu", origin: "ZRH", destination: "LIS", occurredAt: at },
            { type: "search", eventId: "a", source: "app-ios", origin: "ZRH", destination: "LIS", occurredAt: at },
            { type: "booking", eventId: "b", source: "web-eu", flight: { origin: "ZRH", destination: "LIS" }, occurredAt: "2026-12-02T10:00:00.000Z" },
            { type: "offer", eventId: "c", source: "web-eu", origin: "ZRH", destination: "LIS", occurredAt: at },
        ]);
        expect(rows).to.deep.equal([
            { route: "ZRH-LIS", hour: "2026-12-02T09:00:00.000Z", searches: 2, bookings: 0 },
            { route: "ZRH-LIS", hour: "2026-12-02T10:00:00.000Z", searches: 0, bookings: 1 },
        ]);
    });

    it("raises the hot route's alert within 5 minutes of the turn and at most 2 other alerts in the steady hour and per hour", () => {
        const run = runDemoAlerts({ start: Date.parse("2026-12-02T09:00:00Z"), durationSeconds: 4800, hotAfter: 0.75 });
        expect([run.sampling, run.backfilledEvents, run.steadyMinutes, run.hotMinutes]).to.deep.equal([300, 100800, 60, 20]);
        expect(run.hotAlerts).to.equal(1);
        expect(run.hotDetectionMinutes).to.be.a("number").and.at.most(5).and.above(0);
        const hot = run.alerts.find((a) => a.route === run.hotRoute)!;
        expect(hot.basis).to.equal("forecast");
        expect(run.otherAlertsSteady).to.be.at.most(2);
        expect(run.otherAlertsPerHour).to.be.at.most(2);
    });
});

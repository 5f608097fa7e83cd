import { expect } from "chai";
import { AlertEngine, alertPolicyFromEnv, DEFAULT_ALERT_POLICY, episodeAction, judgeWindow, networkLevel } from "../../functions/forecast/alerts";
import { poissonUpperTail } from "../../functions/forecast/stats";
import { backfilledModel, modelForecast, runDemo } from "./demo-shape";

const W = 5 * 60_000;
const T0 = Date.parse("2026-12-01T10:00:00Z");

describe("forecast alerts: the Poisson test", () => {
    it("computes the Poisson upper tail exactly", () => {
        expect(poissonUpperTail(0, 3)).to.equal(1);
        expect(poissonUpperTail(1, 1)).to.be.closeTo(1 - Math.exp(-1), 1e-12);
        expect(poissonUpperTail(3, 1)).to.be.closeTo(1 - Math.exp(-1) * 2.5, 1e-12);
        expect(poissonUpperTail(10, 2)).to.be.closeTo(4.6498075017e-5, 1e-14);
        expect(poissonUpperTail(30, 12)).to.be.closeTo(8.8701387978e-6, 1e-14);
        expect(poissonUpperTail(300, 100)).to.be.below(1e-50);
        expect(poissonUpperTail(100, 100)).to.be.closeTo(0.5133, 1e-3);
    });

    it("raises nothing at a cold start (no forecast, too few active routes for a prior)", () => {
        const j = judgeWindow({ observed: 500, network: { medianPerRoute: 10, routes: 3 } });
        expect(j).to.include({ basis: "none", hot: false, expected: 0 });
    });

    it("judges a route without history against the network prior: 3x the typical route is not an alert, 20x is", () => {
        const network = networkLevel([...Array.from({ length: 49 }, () => 25), 75]);
        expect(network).to.deep.equal({ medianPerRoute: 25, routes: 50 });
        const calm = judgeWindow({ observed: 75, network });
        expect(calm).to.include({ basis: "prior", hot: false, expected: 25, ratio: 10 });
        const burst = judgeWindow({ observed: 500, network });
        expect(burst).to.include({ basis: "prior", hot: true, expected: 25, ratio: 10 });
        expect(burst.pValue).to.be.below(1e-100);
    });

    it("judges a route with a trained forecast against it (ratio 2, p < 1e-6)", () => {
        const network = { medianPerRoute: 100, routes: 50 };
        const forecast = { expected: 40, historyWindows: 2016 };
        const hot = judgeWindow({ observed: 100, forecast, network });
        expect(hot.basis).to.equal("forecast");
        expect(hot.hot).to.equal(true);
        expect(hot.expected).to.be.closeTo(0.988 * 40 + 0.012 * 100, 0.1);
        expect(judgeWindow({ observed: 60, forecast, network }).hot).to.equal(false);
    });

    it("fails when a small excess is not significant: 30 searches against 12 expected is 2.5x but p > 1e-6", () => {
        const j = judgeWindow({ observed: 30, forecast: { expected: 12, historyWindows: 1e9 }, network: { medianPerRoute: 0, routes: 0 } });
        expect(j.observed / j.expected).to.be.above(2);
        expect(j.pValue).to.be.above(1e-6);
        expect(j.hot).to.equal(false);
    });
});

describe("forecast alerts: episodes (hysteresis)", () => {
    const hot = judgeWindow({ observed: 500, network: { medianPerRoute: 25, routes: 50 } });
    const elevated = judgeWindow({ observed: 40, network: { medianPerRoute: 25, routes: 50 } });
    const calm = judgeWindow({ observed: 25, network: { medianPerRoute: 25, routes: 50 } });

    it("raises once per episode, keeps it open while elevated and reopens only after calmWindows calm windows", () => {
        expect(elevated).to.include({ hot: false, elevated: true });
        expect(calm).to.include({ hot: false, elevated: false });
        expect(episodeAction(undefined, T0, hot)).to.equal("open");
        const ep = { openedAt: T0, lastElevatedAt: T0 };
        expect(episodeAction(ep, T0, hot)).to.equal("extend");
        expect(episodeAction(ep, T0 + W, elevated)).to.equal("extend");
        expect(episodeAction(ep, T0 + 2 * W, hot)).to.equal("extend");
        expect(episodeAction({ openedAt: T0, lastElevatedAt: T0 + W }, T0 + 3 * W, hot)).to.equal("extend");
        expect(episodeAction({ openedAt: T0, lastElevatedAt: T0 + W }, T0 + 4 * W, hot)).to.equal("open");
        expect(episodeAction(ep, T0 - W, hot)).to.equal("none");
    });

    it("the engine raises one alert for a burst of six windows with a dip", () => {
        const engine = new AlertEngine(() => undefined);
        const normal = (hotCount: number) => new Map([...Array.from({ length: 20 }, (_, i) => [`R${i}`, 25] as [string, number]), ["HOT", hotCount]]);
        const shape = [25, 500, 600, 30, 550, 500, 25, 25, 25, 700];
        shape.forEach((c, i) => engine.window(T0 + i * W, normal(c)));
        expect(engine.alerts.map((a) => [a.route, (a.windowStart - T0) / W])).to.deep.equal([
            ["HOT", 1],
            ["HOT", 9],
        ]);
        expect(engine.alerts[0]).to.include({ observed: 500, expected: 25, ratio: 10, alpha: 1e-6, basis: "prior" });
    });

    it("fails when an ALERT_* variable is out of range, naming it", () => {
        expect(alertPolicyFromEnv({})).to.deep.equal(DEFAULT_ALERT_POLICY);
        expect(alertPolicyFromEnv({ ALERT_P_VALUE: "0.001", ALERT_PRIOR_RATIO: "20" })).to.include({ alpha: 0.001, priorRatio: 20 });
        expect(() => alertPolicyFromEnv({ ALERT_P_VALUE: "0.5" })).to.throw('`ALERT_P_VALUE` must be a number between 1e-15 and 0.05 (received "0.5").');
        expect(() => alertPolicyFromEnv({ ALERT_CALM_WINDOWS: "1.5" })).to.throw('`ALERT_CALM_WINDOWS` must be an integer between 1 and 1000 (received "1.5").');
    });
});

describe("forecast alerts: the demo's traffic shape (virtual time, default rate)", () => {
    // 50 events/s for an hour, daily/weekly pattern, route popularity skew 0.5, the hot route turns hot after 18 minutes.
    const start = Date.parse("2026-12-01T09:00:00Z");

    it("against the model trained on the backfilled week: the hot route alerts within 5 minutes, at most 2 other alerts in the hour", () => {
        const run = runDemo(start, modelForecast(backfilledModel(start)));
        const hot = run.alerts.filter((a) => a.route === run.hotRoute);
        const others = run.alerts.filter((a) => a.route !== run.hotRoute);
        expect(hot).to.have.length(1);
        // The window is decided at the latest when it ends.
        expect(hot[0].windowStart + W - run.hotFrom).to.be.at.most(5 * 60_000);
        expect(hot[0].windowStart + W).to.be.above(run.hotFrom);
        expect(hot[0].basis).to.equal("forecast");
        expect(others.length).to.be.at.most(2);
    });

    it("without any model (prior only, a cold start): the hot route alerts by the end of the first full hot window, at most 2 others", () => {
        const run = runDemo(start, modelForecast(undefined));
        const hot = run.alerts.filter((a) => a.route === run.hotRoute);
        expect(hot).to.have.length(1);
        // 10x the typical route is needed without history: the window holding the turn (2 of its 5 minutes hot) is not enough.
        expect(hot[0].windowStart + W - run.hotFrom).to.be.at.most(2 * W);
        expect(run.alerts.length - hot.length).to.be.at.most(2);
    });
});

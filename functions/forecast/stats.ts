/**
 * The statistics the forecast and the alert test use: the Poisson upper tail
 * through the regularized incomplete gamma function, and the forecast error
 * measures of the backtest (sMAPE, MASE).
 */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    x -= 1;
    let a = 0.99999999999980993;
    const t = x + 7.5;
    for (let i = 0; i < 8; i++) a += LANCZOS[i] / (x + i + 1);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x) (series below a+1, continued fraction above). */
export function gammaP(a: number, x: number): number {
    if (!(a > 0)) throw new Error(`gammaP: \`a\` must be > 0 (received ${a}).`);
    if (x <= 0) return 0;
    const gln = logGamma(a);
    if (x < a + 1) {
        let ap = a;
        let sum = 1 / a;
        let del = sum;
        for (let n = 0; n < 10_000; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
        }
        return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - gln));
    }
    return Math.max(0, 1 - gammaQContinued(a, x, gln));
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the far tail. */
export function gammaQ(a: number, x: number): number {
    if (x <= 0) return 1;
    if (x < a + 1) return Math.max(0, 1 - gammaP(a, x));
    return gammaQContinued(a, x, logGamma(a));
}

function gammaQContinued(a: number, x: number, gln: number): number {
    const tiny = 1e-300;
    let b = x + 1 - a;
    let c = 1 / tiny;
    let d = 1 / b;
    let h = d;
    for (let i = 1; i < 10_000; i++) {
        const an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (Math.abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        const del = d * c;
        h *= del;
        if (Math.abs(del - 1) < 1e-15) break;
    }
    return Math.exp(-x + a * Math.log(x) - gln) * h;
}

/**
 * P(X >= k) for X ~ Poisson(mean): the probability of seeing at least `k`
 * events when `mean` are expected. 1 for k <= 0; for k >= 1 it is P(k, mean),
 * the regularized lower incomplete gamma function.
 */
export function poissonUpperTail(k: number, mean: number): number {
    if (k <= 0) return 1;
    if (mean <= 0) return 0;
    return gammaP(k, mean);
}

/** Symmetric mean absolute percentage error in percent (pairs where both are 0 count as 0). */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
    if (actual.length !== forecast.length || actual.length === 0) throw new Error(`smape: needs two series of the same non-zero length (received ${actual.length} and ${forecast.length}).`);
    let sum = 0;
    for (let i = 0; i < actual.length; i++) {
        const den = Math.abs(actual[i]) + Math.abs(forecast[i]);
        sum += den === 0 ? 0 : (2 * Math.abs(forecast[i] - actual[i])) / den;
    }
    return (100 * sum) / actual.length;
}

/** Mean absolute error. */
export function mae(actual: readonly number[], forecast: readonly number[]): number {
    let sum = 0;
    for (let i = 0; i < actual.length; i++) sum += Math.abs(forecast[i] - actual[i]);
    return sum / actual.length;
}

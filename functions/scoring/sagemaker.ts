/**
 * The SageMaker real-time endpoint backend of the scoring interface
 * (backend.ts states the JSON contract). Endpoint override: the client's
 * `endpoint` (SAGEMAKER_ENDPOINT), e.g. a local stand-in.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import type { ScoringBackend } from "./backend";
import { BASELINE_ARTIFACT, DealScore } from "./model";

const DealPrediction = z.object({ deal: z.boolean(), score: z.number(), reason: z.string().max(1000) });
const PricePrediction = z.object({ adjustment: z.number().min(-1).max(1), reason: z.string().max(1000) });
const responseOf = <T extends z.ZodType>(p: T) => z.object({ predictions: z.array(p), modelVersion: z.string().max(64).optional() });

export interface SageMakerBackendOptions {
    readonly client: SageMakerRuntimeClient;
    readonly endpointName: string;
    /** @default 0.02 */
    readonly minAdjustment?: number;
    /** @default the baseline's deal sample (30 offers over 60 minutes) */
    readonly dealSample?: { readonly minSamples: number; readonly lookbackMinutes: number };
    /** Instances per InvokeEndpoint request (the payload limit is 25 MB; keep requests small). @default 500 */
    readonly batchSize?: number;
}

export function sageMakerBackend(o: SageMakerBackendOptions): ScoringBackend {
    const batchSize = o.batchSize ?? 500;
    async function invoke<T extends z.ZodType>(task: "deals" | "prices", instances: readonly unknown[], schema: T): Promise<{ predictions: z.infer<T>[]; model: string }[]> {
        const out: { predictions: z.infer<T>[]; model: string }[] = [];
        for (let i = 0; i < instances.length; i += batchSize) {
            const batch = instances.slice(i, i + batchSize);
            const res = await o.client.send(
                new InvokeEndpointCommand({
                    EndpointName: o.endpointName,
                    ContentType: "application/json",
                    Accept: "application/json",
                    Body: new TextEncoder().encode(JSON.stringify({ task, instances: batch })),
                }),
            );
            const text = new TextDecoder().decode(res.Body);
            let json: unknown;
            try {
                json = JSON.parse(text);
            } catch {
                throw new Error(`SageMaker endpoint ${o.endpointName} answered ${task} with a body that is not JSON (received ${JSON.stringify(text.slice(0, 200))}).`);
            }
            const parsed = responseOf(schema).safeParse(json);
            if (!parsed.success) {
                throw new Error(`SageMaker endpoint ${o.endpointName} answered ${task} with an invalid body: ${parsed.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ")}`);
            }
            if (parsed.data.predictions.length !== batch.length) {
                throw new Error(`SageMaker endpoint ${o.endpointName} returned ${parsed.data.predictions.length} ${task} predictions for ${batch.length} instances.`);
            }
            out.push({ predictions: parsed.data.predictions as z.infer<T>[], model: `sagemaker:${o.endpointName}${parsed.data.modelVersion ? `:${parsed.data.modelVersion}` : ""}` });
        }
        return out;
    }
    return {
        name: `sagemaker:${o.endpointName}`,
        minAdjustment: o.minAdjustment ?? BASELINE_ARTIFACT.price.minAdjustment,
        dealSample: o.dealSample ?? { minSamples: BASELINE_ARTIFACT.deal.minSamples, lookbackMinutes: BASELINE_ARTIFACT.deal.lookbackMinutes },
        async scoreDeals(features) {
            if (features.length === 0) return [];
            return (await invoke("deals", features, DealPrediction)).flatMap((b) => b.predictions.map((p) => ({ ...(p as DealScore), model: b.model })));
        },
        async scorePrices(features) {
            if (features.length === 0) return [];
            const batches = await invoke("prices", features, PricePrediction);
            let i = 0;
            return batches.flatMap((b) =>
                b.predictions.map((p) => {
                    const { adjustment, reason } = p as { adjustment: number; reason: string };
                    const price = features[i++].price;
                    return { adjustment, reason, suggestedAmount: Math.round(price * (1 + adjustment) * 100) / 100, model: b.model };
                }),
            );
        },
    };
}

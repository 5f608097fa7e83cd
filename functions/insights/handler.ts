/**
 * Insights API Lambda for an API Gateway HTTP API (payload format 2.0): a
 * thin adapter over the transport-independent `handleRequest` (routes.ts).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { DataApi, dataApiFromEnv } from "../shared/db/dataapi";
import { forecastSourceFromEnv } from "../forecast/artifact";
import { InsightsDeps, InsightsRequest, handleRequest } from "./routes";

export { handleRequest } from "./routes";
export type { InsightsRequest, InsightsResponse, InsightsDeps } from "./routes";

/** API Gateway v2 event → transport-independent request. */
export function requestFromEvent(event: APIGatewayProxyEventV2): InsightsRequest {
    return {
        method: event.requestContext?.http?.method ?? "GET",
        path: event.rawPath ?? "/",
        query: { ...(event.queryStringParameters ?? {}) },
    };
}

export function createInsightsHandler(deps: InsightsDeps & { logger?: Logger }) {
    const logger = deps.logger ?? new Logger({ serviceName: "insights" });
    return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
        if (context) logger.addContext(context);
        const res = await handleRequest(requestFromEvent(event), { ...deps, onError: (e) => logger.error("request failed", { error: e as Error, path: event.rawPath }) });
        return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    };
}

let instance: ReturnType<typeof createInsightsHandler> | undefined;

export const handler = async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    instance ??= createInsightsHandler({ db: dataApiFromEnv() as DataApi, forecast: forecastSourceFromEnv() });
    return instance(event, context);
};

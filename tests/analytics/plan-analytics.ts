/** Fixture of the deployAnalytics plan tests: the analytics stack alone under the offline plan with the real stack files. */
import { ProgramResult, evaluateProgram, readProjectName, readStackConfigFile } from "../../plan/engine";
import { createProviders } from "../../stack/accounts";
import { loadStackConfig } from "../../stack/config";
import { deployAnalytics } from "../../stack/analytics";

/** The on-call topics the platform would pass (the observability account's). */
export const ANALYTICS_ROUTING = { page: ["arn:aws:sns:eu-west-1:333333333333:page"], ticket: ["arn:aws:sns:eu-west-1:333333333333:ticket"] };

/** deployAnalytics(config, providers, ANALYTICS_ROUTING, stream, lake) for `stack`, evaluated by the mock engine. */
export function planAnalytics(stack: "dev" | "prod", stream: Parameters<typeof deployAnalytics>[3], lake?: Parameters<typeof deployAnalytics>[4]): Promise<ProgramResult> {
    return evaluateProgram(
        () => {
            const config = loadStackConfig();
            deployAnalytics(config, createProviders(config), ANALYTICS_ROUTING, stream, lake);
        },
        { project: readProjectName(), stack, config: readStackConfigFile(stack) },
    );
}

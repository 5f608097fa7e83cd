import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

interface Message {
    ruleId: string | null;
    message: string;
    line: number;
}

/** The repository's ESLint (eslint.config.mjs) on `code` as if it were the file `file`, through ESLint's own API. */
async function lint(file: string, code: string): Promise<Message[]> {
    // eslint is ESM-only in its config loading; load it the way its CLI does (a dynamic import).
    const { ESLint } = (await import("eslint")) as typeof import("eslint");
    const eslint = new ESLint({ cwd: ROOT });
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message, line: m.line }));
}

const PULUMI_MESSAGE =
    "functions/ runs inside Lambda, Fargate and the local data plane and must not import the Pulumi SDK (@pulumi/*); keep deployment code in components/ or stack/ and pass values through environment variables or arguments.";

describe("lint: ESLint and Prettier", function () {
    this.timeout(120000);

    it("fails when a file under functions/ imports @pulumi/aws, naming the file's place and what to do instead", async () => {
        const messages = await lint("functions/processor/pulumi-leak.ts", 'import * as aws from "@pulumi/aws";\n\nexport const bucket = aws.s3.Bucket;\n');
        expect(messages).to.deep.equal([{ ruleId: "no-restricted-imports", message: `'@pulumi/aws' import is restricted from being used by a pattern. ${PULUMI_MESSAGE}`, line: 1 }]);
    });

    it("fails when a file under functions/ imports @pulumi/pulumi types only, requires @pulumi/policy or imports @pulumi/aws lazily", async () => {
        const messages = await lint(
            "functions/shared/pulumi-leak.ts",
            [
                'import type { Output } from "@pulumi/pulumi";',
                "export type O = Output<string>;",
                "// eslint-disable-next-line @typescript-eslint/no-require-imports",
                'export const policy = require("@pulumi/policy");',
                'export const lazy = () => import("@pulumi/aws");',
                "",
            ].join("\n"),
        );
        expect(messages).to.deep.equal([
            { ruleId: "no-restricted-imports", message: `'@pulumi/pulumi' import is restricted from being used by a pattern. ${PULUMI_MESSAGE}`, line: 1 },
            { ruleId: "no-restricted-syntax", message: PULUMI_MESSAGE, line: 4 },
            { ruleId: "no-restricted-syntax", message: PULUMI_MESSAGE, line: 5 },
        ]);
    });

    it("the same @pulumi/aws import is fine in components/, and functions/ may import the AWS SDK", async () => {
        expect(await lint("components/common/pulumi-ok.ts", 'import * as aws from "@pulumi/aws";\n\nexport const bucket = aws.s3.Bucket;\n')).to.deep.equal([]);
        expect(await lint("functions/shared/sdk-ok.ts", 'import { S3Client } from "@aws-sdk/client-s3";\n\nexport const client = new S3Client({});\n')).to.deep.equal([]);
    });

    it("fails when code leaves an unused variable, an unused eslint-disable directive or an untyped `any` outside the policy pack, plan and tests", async () => {
        const messages = await lint("stack/lint-sample.ts", ["export function f(x: any): number {", "  const unused = 1;", "  // eslint-disable-next-line no-console", "  return Number(x);", "}", ""].join("\n"));
        expect(messages.map((m) => [m.ruleId, m.line])).to.deep.equal([
            ["@typescript-eslint/no-explicit-any", 1],
            ["@typescript-eslint/no-unused-vars", 2],
            [null, 3],
        ]);
    });

    it("npm test runs the linter (eslint, then prettier --check) and the type check before mocha", () => {
        expect(pkg.scripts.lint).to.equal("eslint . && prettier --check .");
        expect(pkg.scripts.test).to.equal("npm run lint && npm run typecheck && npm run test:unit");
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
        expect([tsconfig.compilerOptions.noUnusedLocals, tsconfig.compilerOptions.noUnusedParameters]).to.deep.equal([true, true]);
    });

    it("Prettier's settings follow the code (4 spaces, the majority of files, double quotes, semicolons) and leave generated files byte-exact", () => {
        const rc = JSON.parse(fs.readFileSync(path.join(ROOT, ".prettierrc"), "utf8"));
        expect({ tabWidth: rc.tabWidth, useTabs: rc.useTabs, singleQuote: rc.singleQuote, semi: rc.semi }).to.deep.equal({ tabWidth: 4, useTabs: false, singleQuote: false, semi: true });
        const ignore = fs.readFileSync(path.join(ROOT, ".prettierignore"), "utf8").split("\n");
        for (const generated of ["docs/alarms.md", "docs/event-types.md", "package-lock.json"]) expect(ignore, generated).to.include(generated);
    });
});

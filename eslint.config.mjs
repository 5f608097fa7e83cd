// ESLint flat config (`npm run lint` runs it with `prettier --check`; `npm test` runs lint first).
// Formatting is Prettier's job: eslint-config-prettier (last) turns off every stylistic rule.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

/** functions/ is the code that runs inside Lambda, Fargate and the local data plane: it never loads the Pulumi SDK. */
export const PULUMI_IMPORT_MESSAGE =
  "functions/ runs inside Lambda, Fargate and the local data plane and must not import the Pulumi SDK (@pulumi/*); keep deployment code in components/ or stack/ and pass values through environment variables or arguments.";

export default defineConfig(
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    ignores: ["node_modules/**", "build/**", "dist/**", "components/dist/**", ".local/**", "bench/.tmp/**", "**/*.d.ts"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.cts"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      // `const { dropped: _, ...rest } = x` and `_`-prefixed placeholders are how the code says "deliberately unused".
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // `[count, pos] = readVarint(...)`: a destructuring that also reassigns a `let` stays one statement.
      "prefer-const": ["error", { destructuring: "all" }],
    },
  },
  {
    // Untyped inputs by nature: Pulumi resource props seen by the policy pack and the mock engine, and test doubles.
    files: ["policies/**/*.ts", "plan/**/*.ts", "tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
  {
    // Tests load modules lazily or afresh (require after setting env, require.cache resets) and assert with chai's `expect(x).to.be.true`.
    files: ["tests/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { "@typescript-eslint/no-require-imports": "off", "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    // The one architectural rule the type checker cannot see.
    files: ["functions/**/*.ts", "functions/**/*.js"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@pulumi/*"], message: PULUMI_IMPORT_MESSAGE }] }],
      "no-restricted-syntax": [
        "error",
        { selector: "ImportExpression[source.value=/^@pulumi\\//]", message: PULUMI_IMPORT_MESSAGE },
        { selector: "CallExpression[callee.name='require'][arguments.0.value=/^@pulumi\\//]", message: PULUMI_IMPORT_MESSAGE },
      ],
    },
  },
  prettier,
);

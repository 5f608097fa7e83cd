// Loaded with `node -r ./scripts/register.js` by every npm script and by mocha.
// Type checking is done once by `npm run typecheck`; at run time TypeScript is
// only transpiled, which keeps start-up fast.
process.env.TS_NODE_TRANSPILE_ONLY = process.env.TS_NODE_TRANSPILE_ONLY ?? "true";
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT ?? require("path").join(__dirname, "..", "tsconfig.json");
require("ts-node/register");
require("../local/polyfills");

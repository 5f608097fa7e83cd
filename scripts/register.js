// Loaded with `node -r ./scripts/register.js` by every npm script and by mocha.
// Type checking is done once by `npm run typecheck`; at run time TypeScript is
// only transpiled, by ts-node's SWC transpiler (about 20x faster than the
// TypeScript compiler's transpileModule, which made loading the stack program
// take seconds).
const path = require("path");
process.env.TS_NODE_TRANSPILE_ONLY = process.env.TS_NODE_TRANSPILE_ONLY ?? "true";
process.env.TS_NODE_SWC = process.env.TS_NODE_SWC ?? "true";
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT ?? path.join(__dirname, "..", "tsconfig.json");
require("ts-node/register");
require("../local/polyfills");

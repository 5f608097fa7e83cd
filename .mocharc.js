// mocha + ts-node (transpile only; `npm run typecheck` checks types).
module.exports = {
  require: ["./scripts/register.js"],
  spec: process.env.MOCHA_SPEC ? process.env.MOCHA_SPEC.split(",") : ["tests/**/*.test.ts"],
  extension: ["ts"],
  timeout: 60000,
  recursive: true,
  exit: true,
  reporter: "./scripts/mocha-reporter.js",
};

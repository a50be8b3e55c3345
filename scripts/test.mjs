// `npm test`: type-check, lint, unit + integration tests (vitest, real PostgreSQL), then the
// Playwright suite against a production build. Stops at the first failing step.
// Set E2E=0 to skip the browser suite (CI runs it once, not on every database).
import { nextBin, run } from "./local-stack.mjs";

const bin = (name) => `node_modules/.bin/${name}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

const steps = [
  ["type-check", bin("tsc"), ["--noEmit"]],
  ["lint", bin("eslint"), ["--max-warnings=0", "."]],
  ["unit + integration", bin("vitest"), ["run"]],
];
if (process.env.E2E !== "0") {
  steps.push(["build", process.execPath, [nextBin(), "build"]]);
  steps.push(["e2e", bin("playwright"), ["test"]]);
}

const timings = [];
for (const [name, command, args] of steps) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const code = await run(command, args, { env });
  timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (code !== 0) {
    console.error(`\n✖ ${name} failed (exit ${code}). ${timings.join(", ")}`);
    process.exit(code);
  }
}
console.log(`\n✔ all steps passed: ${timings.join(", ")}`);

// One cold import of a Lambda bundle, in a fresh process: prints the CPU (user + system) and
// wall milliseconds that `await import(bundle)` took, as JSON. Used by bench/bundles.ts.
const started = process.cpuUsage();
const wallStarted = performance.now();
await import(process.argv[2]);
const used = process.cpuUsage(started);
process.stdout.write(
  `${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wallStarted })}\n`,
);

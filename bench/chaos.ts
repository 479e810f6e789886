/*
 * `npm run bench:chaos`: looks for defects by chaos, seeded and bounded, on loopback only.
 *
 *   1. random fault schedules: `simulate()` in-process over shortened example pipelines with
 *      random faults, API faults, blockers, low traffic and lost alarm events; invariants after
 *      each run (ended, no new-version traffic after a rollback, timeline whole, clock forward)
 *   2. kill -9 restarts: `breakwater serve` as a child process, deployments through the API,
 *      SIGKILL at random moments (during rollbacks too), restarted on the same data folder
 *   3. fuzzed API and webhook requests against a running serve: 5xx answers, and deployments
 *      started by a replayed push or by a request without a valid token or signature
 *
 * Prints a table of counts per part and in total; a defect count must be 0 on a healthy build.
 * Exits 0 whatever it finds (it is a benchmark), with a "DEFECTS FOUND" line when it found any.
 * docs/benchmarks.md ("Chaos benchmark") explains each figure and records a run.
 *
 *   npm run bench:chaos
 *   npm run bench:chaos -- --seed 7 --schedules 10 --kills 2 --requests 200   # a quick run
 *   npm run bench:chaos -- --parts 1,3 --budget 300
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { runFuzz } from './chaos/fuzz.js';
import { type PartReport, renderTable } from './chaos/report.js';
import { runRestarts } from './chaos/restarts.js';
import { runSchedules } from './chaos/schedules.js';

const DEFAULTS = { seed: 20261201, schedules: 200, kills: 20, requests: 5000, budget: 1800 };

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`error: --${name}: expected a whole number >= 0, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    schedules: { type: 'string' },
    kills: { type: 'string' },
    requests: { type: 'string' },
    budget: { type: 'string' },
    parts: { type: 'string' },
    schedule: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});
const seed = positiveInt('seed', values.seed, DEFAULTS.seed);
const schedules = positiveInt('schedules', values.schedules, DEFAULTS.schedules);
const kills = positiveInt('kills', values.kills, DEFAULTS.kills);
const requests = positiveInt('requests', values.requests, DEFAULTS.requests);
const budgetSeconds = positiveInt('budget', values.budget, DEFAULTS.budget);
const parts = new Set((values.parts ?? '1,2,3').split(',').map((p) => p.trim()));

const log = (line: string) => process.stdout.write(`${line}\n`);
const started = performance.now();
const deadlineAt = (share: number) => {
  const left = budgetSeconds * 1000 - (performance.now() - started);
  return performance.now() + Math.max(0, left * share);
};

log(
  `chaos benchmark: --seed ${seed} --schedules ${schedules} --kills ${kills} --requests ${requests} --budget ${budgetSeconds} (s)`,
);
const reports: PartReport[] = [];
// Each part's seed is derived from --seed, so a part run alone draws what it draws in a full run.
if (parts.has('1')) {
  log('part 1: random fault schedules...');
  reports.push(
    await runSchedules({
      seed: seed ^ 0x1111,
      displaySeed: seed,
      count: schedules,
      deadline: deadlineAt(0.6),
      log,
      ...(values.schedule !== undefined ? { only: positiveInt('schedule', values.schedule, 1) } : {}),
      ...(values.verbose ? { verbose: true } : {}),
    }),
  );
}
if (parts.has('2')) {
  log('part 2: kill -9 restarts of breakwater serve...');
  reports.push(await runRestarts({ seed: seed ^ 0x2222, kills, deadline: deadlineAt(0.7), log }));
}
if (parts.has('3')) {
  log('part 3: fuzzed API and webhook requests...');
  reports.push(await runFuzz({ seed: seed ^ 0x3333, requests, deadline: deadlineAt(1), log }));
}

const wallSeconds = (performance.now() - started) / 1000;
log('');
for (const report of reports) {
  log(renderTable(report));
  for (const note of report.notes) log(`  note: ${note}`);
  log('');
}
log('total');
for (const report of reports)
  log(`  ${report.title.padEnd(40)} ${String(report.defects).padStart(6)} defect(s)`);
const defects = reports.reduce((sum, r) => sum + r.defects, 0);
log(
  `  ${'all parts'.padEnd(40)} ${String(defects).padStart(6)} defect(s), ${wallSeconds.toFixed(1)} s wall, seed ${seed}`,
);
const findings = reports.flatMap((r) => r.findings.map((f) => `[${r.title}] ${f}`));
if (findings.length > 0) {
  log('');
  log('findings (the first few of each kind):');
  for (const f of findings) log(`  - ${f}`);
}
log('');
log(defects > 0 ? `DEFECTS FOUND: ${defects}` : 'no defects found');
// Child processes are gone; the SDK's keep-alive sockets must not hold the process open.
process.exit(0);

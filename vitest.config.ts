import { defineConfig } from 'vitest/config';

/*
 * Two projects, both run by `npm test`: `fast` (pure units, the AWS conformance tables — seconds)
 * and `slow` (the embedded engine end to end, the CDK synth, `serve` in child processes, the
 * dashboard in Chromium, `npm pack` installed in fresh projects — minutes). `npm run test:fast` runs the first alone while working.
 */
const SLOW = [
  'test/integration/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/package/**/*.test.ts',
];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: { provider: 'v8', include: ['src/**', 'functions/**'] },
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW },
      },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});

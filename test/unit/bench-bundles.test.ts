import { describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET, type BundleFigures, bundleTable, FLOORS } from '../../bench/bundles.js';

const KB = 1024;

function figures(name: string, codeKb: number, cpuMs: number): BundleFigures {
  return {
    function: name,
    assetDir: '/asset',
    entryFile: '/asset/index.mjs',
    codeBytes: codeKb * KB,
    onDemandBytes: 0,
    sourceMapBytes: 0,
    zippedBytes: 0,
    coldImportCpuMs: cpuMs,
    coldImportWallMs: cpuMs,
  };
}

const [bundledFloor, externalFloor] = FLOORS;

describe('the bundle bench table', () => {
  it('lists the functions over budget, and the floors after them without counting them', () => {
    // GIVEN one function over the size budget, one within, and the two floors
    const table = bundleTable(
      [
        figures('Breakwater/ControlPlane/StartWaveFunction', 440, 54),
        figures('Breakwater/ControlPlane/Tiny', 100, 20),
      ],
      5,
      [figures(bundledFloor.label, 343, 60), figures(externalFloor.label, 146, 145)],
    );
    const lines = table.split('\n');
    // THEN the functions come first, then a rule, then the floors, each marked where over
    expect(lines[1]).toMatch(/^StartWaveFunction\s+440\.0 !/);
    expect(lines[2]).toMatch(/^Tiny\s+100\.0\s/);
    expect(lines[3]).toMatch(/^-+$/);
    expect(lines[4]).toMatch(
      /^floor: DynamoDB GetItem \+ Tracer \+ Logger \(bundled SDK\)\s+343\.0 !.*\s60\s/,
    );
    expect(lines[5]).toMatch(/\(SDK external\)\s+146\.0\s.*\s145 !\s/);
    // AND the budget line names the deployed function over budget only
    expect(lines[6]).toBe(
      `! over budget (${BUNDLE_BUDGET.codeBytes / KB} KB, ${BUNDLE_BUDGET.coldImportCpuMs} ms): StartWaveFunction`,
    );
    // AND the floor line says neither way meets both
    expect(lines[7]).toBe(
      'floor: no way of bundling the floor handler is within both (250 KB, 100 ms): (bundled SDK) 343.0 KB, 60 ms; (SDK external) 146.0 KB, 145 ms',
    );
  });

  it('says when the floor fits the budget, and prints no floor line without floors', () => {
    const within = bundleTable([figures('Tiny', 100, 20)], 3, [figures(bundledFloor.label, 200, 50)]);
    expect(within.split('\n').at(-1)).toBe(`floor: within budget (250 KB, 100 ms) as ${bundledFloor.label}`);
    const plain = bundleTable([figures('Tiny', 100, 20)], 3);
    expect(plain.split('\n')).toHaveLength(3);
    expect(plain).not.toContain('floor');
    expect(plain.split('\n').at(-1)).toBe('every bundle within 250 KB and 100 ms of import CPU');
  });
});

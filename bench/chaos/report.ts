/** One figure of a part: a count, and whether a non-zero value is a product defect. */
export interface Figure {
  readonly name: string;
  value: number;
  /** A defect count: it must be 0 on a healthy build. */
  readonly defect: boolean;
}

/**
 * What a part of the chaos run found: its figures in print order, and a line for every defect
 * (what triggered it, what happened) so a non-zero count can be reproduced.
 */
export class PartReport {
  readonly figures: Figure[] = [];
  readonly findings: string[] = [];
  /** Notes that are not defects (a budget cut, an expected refusal...). */
  readonly notes: string[] = [];
  wallSeconds = 0;

  constructor(readonly title: string) {}

  /** Declares a figure (so it prints even when it stays 0) and returns it. */
  figure(name: string, defect: boolean): Figure {
    let found = this.figures.find((f) => f.name === name);
    if (!found) {
      found = { name, value: 0, defect };
      this.figures.push(found);
    }
    return found;
  }

  /** Counts one occurrence of a defect, keeping its first few descriptions. */
  defect(name: string, description: string, keep = 3): void {
    const figure = this.figure(name, true);
    figure.value++;
    const same = this.findings.filter((f) => f.startsWith(`${name}: `)).length;
    if (same < keep) this.findings.push(`${name}: ${description}`);
  }

  add(name: string, by = 1): void {
    this.figure(name, false).value += by;
  }

  get defects(): number {
    return this.figures.filter((f) => f.defect).reduce((sum, f) => sum + f.value, 0);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** A two-column table: figure, value; defect rows are marked. */
export function renderTable(report: PartReport): string {
  const rows = report.figures.map((f) => [`${f.defect ? '[defect] ' : ''}${f.name}`, count(f.value)]);
  rows.push(['wall seconds', report.wallSeconds.toFixed(1)]);
  const width = Math.max(...rows.map(([name]) => name!.length), report.title.length);
  const valueWidth = Math.max(...rows.map(([, value]) => value!.length), 5);
  const line = (name: string, value: string) => `${name.padEnd(width)}  ${value.padStart(valueWidth)}`;
  return [
    line(report.title, 'count'),
    '-'.repeat(width + valueWidth + 2),
    ...rows.map(([n, v]) => line(n!, v!)),
  ].join('\n');
}

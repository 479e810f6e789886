import type { TimelineEvent } from '../ports/store.js';

/** Prints timeline events as they happen, stamped with (virtual) time; a retried write prints once. */
export function progressPrinter(write: (line: string) => void): (e: TimelineEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    if (seen.has(e.key)) return;
    seen.add(e.key);
    const at = e.at.slice(0, 16).replace('T', ' ');
    const indent = e.target ? '    ' : e.type.startsWith('wave') || e.type.startsWith('bake') ? '  ' : '';
    write(`[${at}] ${indent}${e.message}`);
  };
}

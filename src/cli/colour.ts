/*
 * Colour in the CLI's text output: only on a terminal, never when NO_COLOR is set
 * (https://no-color.org), forced by FORCE_COLOR for a CI log that renders it.
 */

/**
 * Whether to write ANSI colour to `stream`: never with a non-empty `NO_COLOR` or `TERM=dumb`;
 * always with a `FORCE_COLOR` other than `0` or `false`; otherwise only when the stream is a TTY.
 *
 * @example colourEnabled(process.stderr, process.env) // false when piped, or NO_COLOR=1
 */
export function colourEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

/** The few styles the CLI uses; each returns its text unchanged when colour is off. */
export interface Palette {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const same = (text: string) => text;

/** Styles that colour, or (off) that return the text as is. */
export function palette(enabled: boolean): Palette {
  return enabled
    ? { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), dim: sgr(2, 22) }
    : { red: same, green: same, yellow: same, dim: same };
}

/** The palette for one of this process's streams, from its TTY-ness and the environment. */
export function paletteFor(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  return palette(colourEnabled(stream, env));
}

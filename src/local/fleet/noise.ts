/*
 * Seeded randomness for the simulated fleet's metrics. Every (seed, target, minute, version,
 * quantity) has its own generator, built from a hash of those five, so a minute's draws do not
 * depend on which minutes were generated before it, on how many versions shared it, or on
 * anything else the run did (the interpreter's retry jitter draws from Math.random, never from
 * here). The same scenario therefore gives the same minutes, byte for byte, on any machine load.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** What a generator is for: counts and latency draw apart, so turning one off keeps the other's draws. */
export type NoiseQuantity = 'counts' | 'latency';

const QUANTITY_CODE: Record<NoiseQuantity, number> = { counts: 1, latency: 2 };

/** One step of MurmurHash3's 32-bit body. */
function mix(h: number, word: number): number {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser. */
function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashWords(words: readonly number[], salt: number): number {
  let h = salt;
  for (const word of words) h = mix(h, word);
  return finish(h, words.length);
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, 32-bit output. */
function sfc32(a: number, b: number, c: number, d: number): Random {
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  // The first outputs of a fresh state are poorly mixed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** The words a key hashes from: each string is its length, then its UTF-16 code units. */
function keyWords(
  seed: number,
  targetId: string,
  minuteStartMs: number,
  version: string,
  quantity: NoiseQuantity,
): number[] {
  const words = [seed >>> 0, Math.floor(minuteStartMs / 60_000), QUANTITY_CODE[quantity], targetId.length];
  for (let i = 0; i < targetId.length; i++) words.push(targetId.charCodeAt(i));
  words.push(version.length);
  for (let i = 0; i < version.length; i++) words.push(version.charCodeAt(i));
  return words;
}

/**
 * The generator of one quantity of one version behind one target during one minute.
 * Four differently salted hashes of the key fill sfc32's 128-bit state, so the millions of
 * target-minutes of a long run do not collide the way 32-bit seeds would.
 *
 * @example
 * const random = minuteRandom(1, 'use1', Date.parse('2026-11-23T09:00:00Z'), '2', 'counts');
 * drawPoisson(60, random); // e.g. 57, the same every time
 */
export function minuteRandom(
  seed: number,
  targetId: string,
  minuteStartMs: number,
  version: string,
  quantity: NoiseQuantity,
): Random {
  const words = keyWords(seed, targetId, minuteStartMs, version, quantity);
  return sfc32(
    hashWords(words, 0x9e3779b9),
    hashWords(words, 0x85ebca6b),
    hashWords(words, 0xc2b2ae35),
    hashWords(words, 0x27d4eb2f),
  );
}

const LOG_FACTORIAL_TABLE_SIZE = 256;
const LOG_FACTORIALS = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let k = 2; k < LOG_FACTORIAL_TABLE_SIZE; k++) table[k] = (table[k - 1] as number) + Math.log(k);
  return table;
})();
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln(k!): a table for small k, Stirling's series (error below 1e-14 there) beyond. */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return LOG_FACTORIALS[k] as number;
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/**
 * Inversion by search from the mode: one uniform, then the probability mass is taken off from the
 * mode outwards, alternately above and below, until it covers the uniform. Exact for any order of
 * the support, and the search takes about one standard deviation of steps.
 */
function drawFromMode(
  random: Random,
  mode: number,
  modeMass: number,
  max: number,
  ratioUp: (k: number) => number,
  ratioDown: (k: number) => number,
): number {
  let u = random() - modeMass;
  if (u < 0) return mode;
  let high = mode;
  let highMass = modeMass;
  let low = mode;
  let lowMass = modeMass;
  for (;;) {
    const canRise = high < max && highMass > 0;
    const canFall = low > 0 && lowMass > 0;
    // What the floating-point sum leaves uncovered (about 1e-15) goes to the mode.
    if (!canRise && !canFall) return mode;
    if (canRise) {
      highMass *= ratioUp(high);
      high++;
      u -= highMass;
      if (u < 0) return high;
    }
    if (canFall) {
      lowMass *= ratioDown(low);
      low--;
      u -= lowMass;
      if (u < 0) return low;
    }
  }
}

/**
 * A Poisson draw with the given mean.
 *
 * @example drawPoisson(540, random) // near 540, standard deviation √540 ≈ 23
 */
export function drawPoisson(mean: number, random: Random): number {
  if (!(mean > 0)) return 0;
  const mode = Math.floor(mean);
  const modeMass = Math.exp(mode * Math.log(mean) - mean - logFactorial(mode));
  return drawFromMode(
    random,
    mode,
    modeMass,
    Number.POSITIVE_INFINITY,
    (k) => mean / (k + 1),
    (k) => k / mean,
  );
}

/**
 * A binomial draw: successes in `trials` independent trials of probability `p`.
 *
 * @example drawBinomial(600, 0.01, random) // near 6, standard deviation √(600·0.01·0.99) ≈ 2.4
 */
export function drawBinomial(trials: number, p: number, random: Random): number {
  if (trials <= 0 || !(p > 0)) return 0;
  if (p >= 1) return trials;
  // Searching from the mode costs the same either way; drawing failures for p > ½ keeps the
  // ratios away from dividing by a tiny 1 − p.
  if (p > 0.5) return trials - drawBinomial(trials, 1 - p, random);
  const q = 1 - p;
  const mode = Math.floor((trials + 1) * p);
  const logModeMass =
    logFactorial(trials) -
    logFactorial(mode) -
    logFactorial(trials - mode) +
    mode * Math.log(p) +
    (trials - mode) * Math.log(q);
  const odds = p / q;
  return drawFromMode(
    random,
    mode,
    Math.exp(logModeMass),
    trials,
    (k) => ((trials - k) / (k + 1)) * odds,
    (k) => k / (trials - k + 1) / odds,
  );
}

/** A standard normal draw (Box-Muller, one of the pair). */
export function drawStandardNormal(random: Random): number {
  const u1 = 1 - random(); // (0, 1]: the logarithm stays finite
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A lognormal draw whose mean is `mean` and whose coefficient of variation (standard deviation
 * over mean) is `cv`.
 *
 * @example drawLognormal(100, 0.1, random) // near 100, standard deviation near 10
 */
export function drawLognormal(mean: number, cv: number, random: Random): number {
  if (cv <= 0) return mean;
  const variance = Math.log(1 + cv * cv);
  return mean * Math.exp(Math.sqrt(variance) * drawStandardNormal(random) - variance / 2);
}

/**
 * Property-based fuzzing (issue 10): every decoder, parser and validator gets
 * at least this many generated inputs per property. Seeded from the
 * environment when FUZZ_SEED is set (to replay a failure fast-check printed).
 */
export const FUZZ_RUNS = 10_000

const seed = process.env['FUZZ_SEED']

/** fast-check parameters: FUZZ_RUNS runs, and the replay seed if one is given. */
export const FUZZ_PARAMS: { numRuns: number, seed?: number } = seed === undefined
  ? { numRuns: FUZZ_RUNS }
  : { numRuns: FUZZ_RUNS, seed: Number(seed) }

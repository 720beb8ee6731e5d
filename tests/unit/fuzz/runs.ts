/**
 * Property-based fuzzing (issue 10). Two sizes (docs/testing.md, "Fuzzing"):
 *
 * - {@link FUZZ_PARAMS}, {@link FUZZ_RUNS} (10,000) cases per property, where
 *   the input comes from someone else: bytes from a peer or a relay (every
 *   wire codec, sealed items, peer records, group operations, what relays
 *   send), message bodies, and the invite links and routes a stranger hands
 *   out;
 * - {@link LOCAL_FUZZ_PARAMS}, {@link LOCAL_FUZZ_RUNS} (1,000), for what the
 *   app gives itself: messages between its own tab and worker, its own
 *   backup files, the config its server serves, shares from other apps on
 *   the device.
 *
 * Every file that imports this prints its seed before its first test, and
 * every property of the file runs from it: `FUZZ_SEED=<seed> npx vitest run
 * <file>` replays the run (fast-check's failure adds the path to the case).
 */
import { relative } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { beforeAll, expect, vi } from 'vitest'

export const FUZZ_RUNS = 10_000
export const LOCAL_FUZZ_RUNS = 1_000

function seedOf (text: string | undefined): number {
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 31)
  const seed = Number(text)
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${text}`)
  return seed
}

/** The seed of this file's run: FUZZ_SEED when set, else a new one. */
export const FUZZ_SEED = seedOf(process.env['FUZZ_SEED'])

/** fast-check parameters where the input comes from the network: FUZZ_RUNS runs from the file's seed. */
export const FUZZ_PARAMS: { numRuns: number, seed: number } = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED }

/** fast-check parameters for the app's own inputs: LOCAL_FUZZ_RUNS runs from the file's seed. */
export const LOCAL_FUZZ_PARAMS: { numRuns: number, seed: number } = { numRuns: LOCAL_FUZZ_RUNS, seed: FUZZ_SEED }

/**
 * A property's 10,000 cases take from a few seconds to 27 s on a 2-core
 * machine that other work shares (the group logs' verify every signature):
 * the suite's 30 s limit would fail them for the machine's speed. Here a
 * test's time limit only guards against a hang, so a fuzz file's is 5 min.
 */
export const FUZZ_TEST_TIMEOUT_MS = 300_000
vi.setConfig({ testTimeout: FUZZ_TEST_TIMEOUT_MS })

beforeAll(() => {
  const file = relative(process.cwd(), expect.getState().testPath ?? '<file>')
  console.log(`fuzz seed ${FUZZ_SEED} for ${file} (replay: FUZZ_SEED=${FUZZ_SEED} npx vitest run ${file})`)
})

/**
 * `expect(actual).toBe(expected)` for the 10,000-case loops: vitest's
 * `expect()` copies its whole state on every call (a fifth of the fuzzers'
 * CPU, docs/testing.md), so the comparison runs here and `expect` only when
 * it fails, to fail the same way with its message.
 */
export function expectSame (actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected)
}

/**
 * `expect(actual).toEqual(expected)` for the same loops: values that are
 * deeply and strictly equal (same types, same prototypes) are equal to
 * `toEqual` too; anything else goes to `toEqual`, which decides with its own
 * rules and says what differs.
 */
export function expectEqual (actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}

/**
 * Time budgets in units of this machine. A test that says "refused before
 * the expensive work" or "stays linear" by a time bound would fail on a
 * machine slow enough, for no fault of the code; its bound is given as
 * milliseconds on the machines CI ran on when it was written, and
 * {@link budgetMs} stretches it by how much slower this machine runs a fixed
 * piece of the same kind of work (strings, JSON, a regular expression), the
 * best of a few tries so that a moment of load does not count. A faster
 * machine keeps the bound as written.
 */

/** The reference work's best time on the 2-core CI machines (2026-11-29, 25–30 ms). */
const REFERENCE_MS = 30
const TRIES = 5

function referenceWork (): number {
  let text = ''
  for (let i = 0; i < 200_000; i++) text += String.fromCharCode(97 + (i % 26))
  const rows = JSON.parse(JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ i, s: text.slice(i, i + 8) })))) as unknown[]
  return rows.length + (/(?:ab)+z/.exec(text)?.index ?? 0) + text.split('q').length
}

let factor: number | undefined

/** How many times slower than the CI machines this one runs the reference work (at least 1). */
export function slowness (): number {
  if (factor === undefined) {
    let best = Infinity
    for (let i = 0; i < TRIES; i++) {
      const started = performance.now()
      referenceWork()
      best = Math.min(best, performance.now() - started)
    }
    factor = Math.max(1, best / REFERENCE_MS)
  }
  return factor
}

/** `ms` as written for the CI machines, stretched for a slower one. */
export function budgetMs (ms: number): number {
  return ms * slowness()
}

/**
 * Helpers of the wire-protocol fuzzers (issue 10 item 4): run a decoder and
 * accept only a value or one of its documented error classes, and mutate valid
 * encodings (flip, truncate, extend, splice) for the "mutated valid input"
 * properties.
 */
import fc from 'fast-check'

/** An error class a decoder documents. */
export type ErrorClass = abstract new (...args: never[]) => Error

/** Error names of a decoder's documented errors (for classes it re-creates by name, like libp2p's). */
export type Allowed = ReadonlyArray<ErrorClass | string>

function isAllowed (err: unknown, allowed: Allowed): boolean {
  return allowed.some(a => typeof a === 'string'
    ? err instanceof Error && err.name === a && !(err instanceof TypeError) && !(err instanceof RangeError) && !(err instanceof SyntaxError)
    : err instanceof a)
}

/**
 * Runs `fn`: returns `{ ok: true, value }` or, when it throws one of `allowed`,
 * `{ ok: false, error }`. Any other throw (TypeError, RangeError, …) is rethrown
 * so fast-check reports it as a failure, with the input that caused it.
 */
export function typed<T> (fn: () => T, allowed: Allowed): { ok: true, value: T } | { ok: false, error: Error } {
  try {
    return { ok: true, value: fn() }
  } catch (err) {
    if (isAllowed(err, allowed)) return { ok: false, error: err as Error }
    throw err
  }
}

/** Async twin of {@link typed}. */
export async function typedAsync<T> (fn: () => Promise<T>, allowed: Allowed): Promise<{ ok: true, value: T } | { ok: false, error: Error }> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    if (isAllowed(err, allowed)) return { ok: false, error: err as Error }
    throw err
  }
}

/** One way to damage an encoding. */
export type Mutation =
  | { kind: 'flip', at: number, xor: number }
  | { kind: 'truncate', at: number }
  | { kind: 'extend', extra: Uint8Array }
  | { kind: 'splice', at: number, remove: number, insert: Uint8Array }
  | { kind: 'set', at: number, value: number }

/** Mutations with positions as fractions of the length (so they apply to any encoding). */
export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 8 }), insert: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff) })
), { minLength: 1, maxLength: 4 })

/** Applies `mutations` to a copy of `bytes`. */
export function mutate (bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice()
  for (const m of mutations) {
    const at = out.byteLength === 0 ? 0 : m.kind === 'extend' ? 0 : m.at % (out.byteLength + (m.kind === 'truncate' || m.kind === 'splice' ? 1 : 0))
    switch (m.kind) {
      case 'flip':
        if (out.byteLength > 0) out[at] = (out[at] ?? 0) ^ m.xor
        break
      case 'set':
        if (out.byteLength > 0) out[at] = m.value
        break
      case 'truncate':
        out = out.slice(0, at)
        break
      case 'extend': {
        const next = new Uint8Array(out.byteLength + m.extra.byteLength)
        next.set(out)
        next.set(m.extra, out.byteLength)
        out = next
        break
      }
      case 'splice': {
        const head = out.subarray(0, at)
        const tail = out.subarray(Math.min(out.byteLength, at + m.remove))
        const next = new Uint8Array(head.byteLength + m.insert.byteLength + tail.byteLength)
        next.set(head)
        next.set(m.insert, head.byteLength)
        next.set(tail, head.byteLength + m.insert.byteLength)
        out = next
        break
      }
    }
  }
  return out
}

/** Heap plus array-buffer memory in use, in bytes. */
function memory (): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

/**
 * Memory growth in bytes while `fn` runs, measured after a full GC each side
 * (vitest.config.ts starts its workers with --expose-gc). Callers compare it
 * with a generous bound: it catches a decoder that allocates what a length
 * field declares (gigabytes), not a few stray kilobytes. Without the GC,
 * garbage not yet collected on a busy machine read as growth.
 */
export function memoryGrowth (fn: () => void): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc == null) throw new Error('memoryGrowth needs a GC: run node with --expose-gc (vitest.config.ts sets it)')
  gc()
  const before = memory()
  fn()
  gc()
  return memory() - before
}

/** The unsigned LEB128 varint of `n` (the length prefix of every Parley frame), written by hand so the tests do not share the code under test. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/**
 * Near-valid JSON frames of a protocol whose frames are `{ type, …keys }`:
 * one type's keys (1 time in 4 some left out, 1 time in 6 a stray one), each
 * value right (`good[key]`) 3 times in 4, else `wrong(key)` (default `junk`),
 * and the type itself junk 1 time in 4.
 */
export function nearFrames (
  keysByType: Readonly<Record<string, readonly string[]>>,
  good: Readonly<Record<string, fc.Arbitrary<unknown>>>,
  junk: fc.Arbitrary<unknown>,
  wrong: (key: string) => fc.Arbitrary<unknown> = () => junk
): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...Object.keys(keysByType)).chain(type => {
    const keys = [...keysByType[type] ?? []]
    const value = (k: string): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good[k] ?? junk }, { weight: 1, arbitrary: wrong(k) })
    const kept = fc.oneof({ weight: 3, arbitrary: fc.constant(keys) }, { weight: 1, arbitrary: fc.subarray(keys) })
    const stray = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ extra: junk }) })
    return fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>(type) }, { weight: 1, arbitrary: junk }), kept, stray).chain(([t, ks, more]) =>
      fc.record(Object.fromEntries(ks.map(k => [k, value(k)]))).map(fields => ({ type: t, ...fields, ...more })))
  })
}

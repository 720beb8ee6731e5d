/**
 * Keeps the identity of rows a live query read again unchanged. liveQuery
 * hands over fresh objects for every row on every write to the table, and
 * Svelte sees a fresh object as a change: every message of an open chat would
 * render again for each message that arrives or changes state. With the
 * unchanged rows kept, only the rows that changed (and the new ones) render.
 */

/** Values as IndexedDB gives them back: primitives, plain objects, arrays and byte arrays. */
export function sameValue (a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.byteLength !== b.byteLength) return false
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
    return true
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((value, i) => sameValue(value, b[i]))
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false
  const keysA = Object.keys(a)
  if (keysA.length !== Object.keys(b).length) return false
  return keysA.every(key => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}

/**
 * `next` with each row equal to the row of `previous` with the same id
 * replaced by that earlier object; `previous` itself when nothing changed
 * (same rows, same order).
 */
export function reuseRows<T extends { id: string }> (previous: readonly T[], next: readonly T[]): readonly T[] {
  if (previous.length === 0) return next
  const byId = new Map<string, T>()
  for (const row of previous) byId.set(row.id, row)
  let unchanged = previous.length === next.length
  const out = next.map((row, i) => {
    const before = byId.get(row.id)
    const kept = before !== undefined && sameValue(before, row) ? before : row
    if (kept !== previous[i]) unchanged = false
    return kept
  })
  return unchanged ? previous : out
}

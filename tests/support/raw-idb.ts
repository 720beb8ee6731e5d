/**
 * IndexedDB read the way someone with a copy of the database would: raw
 * rows of a store through the IndexedDB API itself (no Dexie, no hooks), and
 * a search for given bytes anywhere in them (keys at rest, issue 57 item 10).
 */

/** Every row of `store` in database `name` of `factory`, as stored. */
export async function rawRows (factory: IDBFactory, name: string, store: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(name)
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('open failed')) }
  })
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      const req = db.transaction(store, 'readonly').objectStore(store).getAll()
      req.onsuccess = () => { resolve(req.result as unknown[]) }
      req.onerror = () => { reject(req.error ?? new Error('getAll failed')) }
    })
  } finally {
    db.close()
  }
}

function includes (haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.byteLength <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

const hex = (bytes: Uint8Array): string => [...bytes].map(b => b.toString(16).padStart(2, '0')).join('')

/**
 * Whether `needle` appears anywhere in `value`: inside any byte array or
 * buffer, or as hex or base64 in any string, however deep.
 */
export function holdsBytes (value: unknown, needle: Uint8Array): boolean {
  if (value instanceof Uint8Array) return includes(value, needle)
  if (value instanceof ArrayBuffer) return includes(new Uint8Array(value), needle)
  if (ArrayBuffer.isView(value)) return includes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), needle)
  if (typeof value === 'string') return value.includes(hex(needle)) || value.includes(Buffer.from(needle).toString('base64').slice(0, -4))
  if (Array.isArray(value)) return value.some(v => holdsBytes(v, needle))
  if (value instanceof Map) return [...value.entries()].some(e => holdsBytes(e, needle))
  if (typeof value === 'object' && value !== null) return Object.values(value).some(v => holdsBytes(v, needle))
  return false
}

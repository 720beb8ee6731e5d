/**
 * kad-dht's table of key prefixes, found when asked instead of shipped. The app's
 * build puts this module where `@libp2p/kad-dht/dist/src/routing-table/refresh.js`
 * imports `./generated-prefix-list.js` (scripts/lib/kad-prefixes-plugin.ts).
 *
 * Entry `p` is the least `n` for which the SHA-256 of the multihash
 * `0x12 0x20 ‖ n (4 bytes, big-endian) ‖ 28 zero bytes` starts with the 16 bits of
 * `p`: the routing-table refresh looks up such a key to reach peers at a chosen
 * distance. kad-dht ships all 65,536 entries for Node and, in the browser, every
 * fourth of them (16,384 under the same indices, so most lookups read no entry
 * or one for another prefix). That browser table was 48 KiB of the node worker's
 * gzip, a sixth of it. kad-dht 16.4.5 refreshes only when `refreshRoutingTable()`
 * is called (its refresh has no `start`, so libp2p never starts it), which Parley
 * never does; an entry costs about 65,000 SHA-256s (65 ms) the first time.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export const PREFIX_COUNT = 2 ** 16
/** a sha2-256 multihash: code 0x12, 32 bytes of digest */
const KEY_BYTES = 34

/** The least `n` whose key's SHA-256 starts with the 16 bits of `prefix`. */
export function prefixEntry (prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix >= PREFIX_COUNT) throw new RangeError(`no kad prefix entry ${prefix}`)
  const key = new Uint8Array(KEY_BYTES)
  key[0] = 0x12
  key[1] = 0x20
  const view = new DataView(key.buffer)
  // a random hash starts with given 16 bits with odds 2^-16: 2^32 tries all missing
  // one prefix has odds of about e^-65536
  for (let n = 0; n < 2 ** 32; n++) {
    view.setUint32(2, n)
    const [first = 0, second = 0] = sha256(key)
    if (((first << 8) | second) === prefix) return n
  }
  throw new Error(`no kad prefix entry ${prefix}`)
}

const found = new Map<number, number>() // at most PREFIX_COUNT entries

function entry (prefix: number): number {
  let n = found.get(prefix)
  if (n === undefined) {
    n = prefixEntry(prefix)
    found.set(prefix, n)
  }
  return n
}

/** Reads as kad-dht's array: `GENERATED_PREFIXES[p]` and `.length`. */
const GENERATED_PREFIXES: readonly number[] = new Proxy<number[]>([], {
  get (target, property, receiver) {
    if (property === 'length') return PREFIX_COUNT
    if (typeof property === 'string' && /^(0|[1-9]\d*)$/.test(property) && Number(property) < PREFIX_COUNT) return entry(Number(property))
    return Reflect.get(target, property, receiver)
  }
})

export default GENERATED_PREFIXES

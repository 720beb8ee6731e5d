/**
 * A fast path for @libp2p/utils' `LengthPrefixedDecoder`, which
 * @libp2p/noise uses for every encrypted connection. Its decode loop reads
 * length prefixes until one fails to decode, and the prefix decoders fail by
 * making and throwing a RangeError. So every chunk a connection receives
 * ends in a new error with its stack trace captured: after the last whole
 * frame, the buffer is empty. In relay-node's CPU profiles that was a tenth
 * of its busy time (noise's `uint16BEDecode`, docs/testing.md).
 *
 * Installed, each decoder's length decoder throws one RangeError made once,
 * at no cost, when there are no bytes at all. The decoder catches any
 * RangeError and waits for more bytes, as before. A prefix cut short (some
 * bytes, not all) still goes to the length decoder and fails as it did.
 * Where a later @libp2p/utils has no such field, nothing changes.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Thrown for an empty buffer: made once, so throwing it captures no stack. */
const NO_BYTES = new RangeError('no bytes for a length prefix yet')
const INSTALLED = Symbol.for('parley.length-prefix-fast-path')
const guarded = new WeakSet<object>()

type LengthDecoder = (data: Uint8ArrayList | Uint8Array) => number

/** Installs the fast path (once per process or worker; again is a no-op). */
export function installLengthPrefixFastPath (): void {
  const proto = LengthPrefixedDecoder.prototype
  if (Reflect.get(proto, INSTALLED) === true) return
  Reflect.set(proto, INSTALLED, true)
  const decode = proto.decode
  proto.decode = function (this: LengthPrefixedDecoder, buf: Uint8Array | Uint8ArrayList) {
    if (!guarded.has(this)) {
      guarded.add(this)
      const inner: unknown = Reflect.get(this, 'lengthDecoder')
      if (typeof inner === 'function') {
        const guard: LengthDecoder = (data) => {
          if (data.byteLength === 0) throw NO_BYTES
          return Reflect.apply(inner, undefined, [data]) as number
        }
        Reflect.set(this, 'lengthDecoder', guard)
      }
    }
    return decode.call(this, buf)
  }
}

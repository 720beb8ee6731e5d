import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Decodes the unsigned-varint length prefix of a frame (the `lengthDecoder`
 * of `lpStream`), shared by the Parley protocols. Throws `RangeError` while
 * the prefix is incomplete, as `lpStream` expects, and `invalid(reason)` once
 * it is longer than `maxBytes`, before decoding more.
 */
export function decodeVarintLength (prefix: Uint8Array | Uint8ArrayList, maxBytes: number, invalid: (reason: string) => Error): number {
  let value = 0
  for (let i = 0; i < prefix.byteLength; i++) {
    if (i >= maxBytes) {
      throw invalid(`length prefix is longer than ${maxBytes} bytes`)
    }
    const byte = (prefix instanceof Uint8Array ? prefix[i] : prefix.get(i)) ?? 0
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) {
      return value
    }
  }
  throw new RangeError('incomplete length prefix')
}

/** Field checks the link codecs share (qr.ts, frames.ts): each returns the value or undefined. */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fromBase64Url, toBase64Url } from '../base64.ts'
import { LINK_PEER_ID_CHARS, MAX_LINK_ADDRESS_CHARS, MAX_LINK_NAME_CHARS } from './constants.ts'

const BASE64URL = /^[A-Za-z0-9_-]*$/
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** Printable ASCII without space: what a multiaddr's text form holds here. */
const ADDRESS_CHARS = /^[\u0021-\u007e]+$/
const CIRCUIT = '/p2p-circuit/'

/**
 * `text` as exactly `bytes` bytes of base64url without padding, in its one
 * form (the unused low bits of the last character zero), else undefined.
 */
export function base64UrlBytes (text: unknown, bytes: number): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== Math.ceil(bytes * 4 / 3) || !BASE64URL.test(text)) return undefined
  const decoded = fromBase64Url(text)
  return decoded.byteLength === bytes && toBase64Url(decoded) === text ? decoded : undefined
}

/**
 * Whether `peer` is an Ed25519 PeerID in its canonical base58btc form (one
 * text per key). The length is checked first: base58 decoding takes time
 * quadratic in it.
 */
export function isPeerId (peer: unknown): peer is string {
  if (typeof peer !== 'string' || peer.length !== LINK_PEER_ID_CHARS) return false
  try {
    const id = peerIdFromString(peer)
    return id.type === 'Ed25519' && id.toString() === peer
  } catch {
    return false
  }
}

/** Whether `name` is a display name: 0..MAX_LINK_NAME_CHARS code points, no control character or lone surrogate. */
export function isLinkName (name: unknown): name is string {
  return typeof name === 'string' && name.length <= 2 * MAX_LINK_NAME_CHARS && !LONE_SURROGATE.test(name) &&
    [...name].length <= MAX_LINK_NAME_CHARS && !CONTROL.test(name)
}

/**
 * Whether `address` is a circuit multiaddr of `peer`: printable ASCII, at
 * most MAX_LINK_ADDRESS_CHARS, in its canonical text form, with a
 * `/p2p-circuit/` part, ending in `/p2p/<peer>`.
 */
export function isCircuitAddressOf (address: unknown, peer: string): address is string {
  if (typeof address !== 'string' || address.length > MAX_LINK_ADDRESS_CHARS || !ADDRESS_CHARS.test(address)) return false
  if (!address.includes(CIRCUIT) || !address.endsWith(`/p2p/${peer}`)) return false
  try {
    return multiaddr(address).toString() === address
  } catch {
    return false
  }
}

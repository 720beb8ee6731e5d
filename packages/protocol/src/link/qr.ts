/**
 * The QR code a new device shows to be linked (docs/protocols.md, "Linking a
 * device"): `parley-link:` then base64url, without padding, of the UTF-8
 * JSON `{"v":1,"id":<its PeerID>,"k":<base64url of the 16-byte secret>,
 * "a":[<0..4 of its circuit addresses>]}`. Strict both ways: unknown fields,
 * other forms of the same bytes, and anything over a limit are refused.
 */
import { fromBase64Url, toBase64Url } from '../base64.ts'
import { isRecord } from '../is-record.ts'
import { base64UrlBytes, isCircuitAddressOf, isPeerId } from './checks.ts'
import { LINK_QR_PREFIX, LINK_QR_VERSION, LINK_SECRET_BYTES, MAX_LINK_ADDRESSES, MAX_LINK_QR_CHARS } from './constants.ts'
import { LinkError } from './errors.ts'

/** What a link QR code says: who the new device is, the secret it made, where to reach it. */
export interface LinkQr {
  /** the new device's PeerID (canonical Ed25519) */
  peerId: string
  /** LINK_SECRET_BYTES random bytes, single-use */
  secret: Uint8Array
  /** 0..MAX_LINK_ADDRESSES distinct circuit addresses, each ending in `/p2p/<peerId>` */
  addresses: string[]
}

const QR_KEYS: readonly string[] = ['v', 'id', 'k', 'a']
const BASE64URL = /^[A-Za-z0-9_-]*$/
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

function bad (detail: string): LinkError {
  return new LinkError('bad-qr', { detail })
}

/** A new QR code for the device `peerId` reachable at `addresses`, with a fresh secret from `random`. */
export function newLinkQr (peerId: string, addresses: readonly string[], random: (bytes: number) => Uint8Array = randomBytes): LinkQr {
  const qr = { peerId, secret: random(LINK_SECRET_BYTES), addresses: [...addresses] }
  checkQr(qr)
  return qr
}

/** The QR text of `qr`; throws LinkError `bad-qr` for a code this module would refuse to read. */
export function encodeLinkQr (qr: LinkQr): string {
  checkQr(qr)
  const json = JSON.stringify({ v: LINK_QR_VERSION, id: qr.peerId, k: toBase64Url(qr.secret), a: qr.addresses })
  return `${LINK_QR_PREFIX}${toBase64Url(encoder.encode(json))}`
}

/**
 * The QR code in `text` (a scan, or pasted text: white space around it is
 * ignored); throws LinkError `bad-qr`, with a detail for the logs, for
 * anything else. Text over MAX_LINK_QR_CHARS is refused before decoding.
 */
export function parseLinkQr (text: string): LinkQr {
  if (typeof text !== 'string') throw bad('not text')
  if (text.length > MAX_LINK_QR_CHARS + 64) throw bad(`over ${MAX_LINK_QR_CHARS} characters`)
  const given = text.trim()
  if (given.length > MAX_LINK_QR_CHARS) throw bad(`over ${MAX_LINK_QR_CHARS} characters`)
  if (!given.startsWith(LINK_QR_PREFIX)) throw bad(`does not start with ${LINK_QR_PREFIX}`)
  const payload = given.slice(LINK_QR_PREFIX.length)
  if (!BASE64URL.test(payload) || payload.length % 4 === 1) throw bad('not base64url without padding')
  const bytes = fromBase64Url(payload)
  if (toBase64Url(bytes) !== payload) throw bad('not base64url in its one form')
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw bad('not UTF-8 JSON')
  }
  if (!isRecord(value)) throw bad('not a JSON object')
  const unknown = Object.keys(value).filter(key => !QR_KEYS.includes(key))
  if (unknown.length > 0) throw bad(`unknown fields ${unknown.slice(0, 4).map(k => JSON.stringify(k.slice(0, 20))).join(', ')}`)
  if (value['v'] !== LINK_QR_VERSION) throw bad(`"v" must be ${LINK_QR_VERSION}`)
  const peerId = value['id']
  if (!isPeerId(peerId)) throw bad('"id" must be an Ed25519 PeerID in its canonical form')
  const secret = base64UrlBytes(value['k'], LINK_SECRET_BYTES)
  if (secret === undefined) throw bad(`"k" must be base64url of ${LINK_SECRET_BYTES} bytes`)
  const addresses = value['a']
  if (!Array.isArray(addresses)) throw bad('"a" must be a list')
  const qr: LinkQr = { peerId, secret, addresses: addresses as string[] }
  checkAddresses(qr)
  return qr
}

function checkQr (qr: LinkQr): void {
  if (!isPeerId(qr.peerId)) throw bad('the PeerID must be an Ed25519 PeerID in its canonical form')
  if (!(qr.secret instanceof Uint8Array) || qr.secret.byteLength !== LINK_SECRET_BYTES) throw bad(`the secret must be ${LINK_SECRET_BYTES} bytes`)
  checkAddresses(qr)
}

function checkAddresses ({ peerId, addresses }: LinkQr): void {
  if (addresses.length > MAX_LINK_ADDRESSES) throw bad(`"a" lists at most ${MAX_LINK_ADDRESSES} addresses`)
  for (const address of addresses) {
    if (!isCircuitAddressOf(address, peerId)) throw bad('every address must be a circuit multiaddr in its canonical form ending in /p2p/<id>')
  }
  if (new Set(addresses).size !== addresses.length) throw bad('"a" lists an address twice')
}

/** `n` random bytes from the platform's CSPRNG. */
export function randomBytes (n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n))
}

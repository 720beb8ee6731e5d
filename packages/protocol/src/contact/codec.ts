/**
 * Pure codec of `/parley/contact/1.0.0` frames: typed frames ⇄ frame bodies
 * (UTF-8 JSON, without the varint length prefix that `lpStream` adds).
 * Wire format and rules: docs/protocols.md, "Contact requests".
 */
import { InvalidMessageError } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

export const CONTACT_PROTOCOL = '/parley/contact/1.0.0'
/** Largest frame body, in bytes. */
export const MAX_CONTACT_FRAME_BYTES = 8192
/** Longest varint length prefix (8192 needs 2 bytes). */
export const MAX_CONTACT_PREFIX_BYTES = 2
/** Longest display name, in characters (Unicode code points). */
export const MAX_CONTACT_NAME_CHARS = 64
/** At most this many addresses in a frame. */
export const MAX_CONTACT_ADDRESSES = 8
/** Longest address, in characters. */
export const MAX_CONTACT_ADDRESS_CHARS = 512
/** Largest hello `time` (ms since the Unix epoch): JSON numbers stay exact below 2^53. */
export const MAX_HELLO_TIME = Number.MAX_SAFE_INTEGER
/** The whole exchange (open, request, reply) must finish within this. */
export const CONTACT_EXCHANGE_TIMEOUT_MS = 10_000

/**
 * Dialer → listener. `request`: "I would like to be your contact";
 * `accept`: "I accepted your request". Both carry the sender's display name
 * and the addresses it can be reached at (its relay circuit addresses), and
 * `sessions: true` from an app that speaks sessions (docs/protocols.md,
 * "Sessions are mandatory"): then nothing but boxes goes between the two.
 * `time`: when the sender made it (ms since the Unix epoch, strictly
 * increasing across the sender's hellos); absent from apps before
 * 2026-11-29. A receiver takes a hello only when it is newer than every one
 * seen from that peer (docs/protocols.md, "Freshness").
 */
export interface ContactHelloFrame {
  type: 'request' | 'accept'
  name: string
  addresses: string[]
  time?: number
  sessions?: true
}

/**
 * Listener → dialer: how the listener now stands with the dialer.
 * `pending`: the request waits for the user; `accepted`: they are contacts;
 * `refused`: nothing more will come of it (declined too often, blocked, or an
 * accept for a request the listener never made). `sessions: true`: the
 * listener's app speaks sessions, sent only in answer to a hello that
 * carried `sessions` (an app before 2026-11-29 evening refuses it in a
 * reply): a reply can make the two contacts, so the dialer learns it before
 * anything goes to the listener.
 */
export interface ContactReplyFrame {
  type: 'reply'
  status: 'pending' | 'accepted' | 'refused'
  sessions?: true
}

export type ContactFrame = ContactHelloFrame | ContactReplyFrame

/**
 * The reply of an app that speaks sessions to `hello`: `sessions: true` when
 * the hello carried it (so its sender knows the field; an app from before it
 * would refuse the reply), else without it.
 */
export function contactReply (hello: Pick<ContactHelloFrame, 'sessions'>, status: ContactReplyFrame['status']): ContactReplyFrame {
  return hello.sessions === true ? { type: 'reply', status, sessions: true } : { type: 'reply', status }
}

const FIELDS: Record<ContactFrame['type'], readonly string[]> = {
  request: ['type', 'name', 'addresses', 'time', 'sessions'],
  accept: ['type', 'name', 'addresses', 'time', 'sessions'],
  reply: ['type', 'status', 'sessions']
}
const STATUSES: readonly string[] = ['pending', 'accepted', 'refused']
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid contact frame: ${reason}`)
}

export function encodeContactFrame (frame: ContactFrame): Uint8Array {
  const body: Record<string, unknown> = {}
  const source: Record<string, unknown> = { ...frame }
  for (const key of FIELDS[frame.type]) if (source[key] !== undefined) body[key] = source[key]
  const bytes = encoder.encode(JSON.stringify(body))
  // never send what a peer would refuse
  decodeContactFrame(bytes, frame.type === 'reply' ? 'listener' : 'dialer')
  return bytes
}

export function decodeContactFrame (bytes: Uint8Array, sender: 'dialer'): ContactHelloFrame
export function decodeContactFrame (bytes: Uint8Array, sender: 'listener'): ContactReplyFrame
export function decodeContactFrame (bytes: Uint8Array, sender: 'dialer' | 'listener'): ContactFrame
/** Decodes and strictly validates a frame body from `sender`. Throws `InvalidMessageError` saying what is wrong. */
export function decodeContactFrame (bytes: Uint8Array, sender: 'dialer' | 'listener'): ContactFrame {
  if (bytes.byteLength > MAX_CONTACT_FRAME_BYTES) {
    throw invalid(`frame is ${bytes.byteLength} bytes, the limit is ${MAX_CONTACT_FRAME_BYTES}`)
  }
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw invalid('frame is not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('frame is not a JSON object')
  const obj = value as Record<string, unknown>
  const type = obj.type
  if (type !== 'request' && type !== 'accept' && type !== 'reply') {
    throw invalid('"type" must be "request", "accept" or "reply"')
  }
  const extra = Object.keys(obj).filter(key => !FIELDS[type].includes(key))
  if (extra.length > 0) throw invalid(`unknown field(s) in a "${type}" frame: ${extra.slice(0, 3).map(k => JSON.stringify(k.slice(0, 20))).join(', ')}`)
  if (sender === 'dialer' && type === 'reply') throw invalid('the dialer may only send "request" or "accept"')
  if (sender === 'listener' && type !== 'reply') throw invalid('the listener may only send "reply"')
  const sessions = obj.sessions
  if (sessions !== undefined && sessions !== true) throw invalid('"sessions" must be true when present')
  if (type === 'reply') {
    const status = obj.status
    if (typeof status !== 'string' || !STATUSES.includes(status)) throw invalid('"status" must be "pending", "accepted" or "refused"')
    return { type, status: status as ContactReplyFrame['status'], ...(sessions === true ? { sessions } : {}) }
  }
  const { name, addresses, time } = obj
  if (time !== undefined && (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 1 || time > MAX_HELLO_TIME)) {
    throw invalid('"time" must be an integer from 1 to 2^53 - 1')
  }
  if (typeof name !== 'string') throw invalid('"name" must be a string')
  const trimmed = name.trim()
  if (trimmed.length === 0 || [...trimmed].length > MAX_CONTACT_NAME_CHARS || trimmed !== name || CONTROL.test(name)) {
    throw invalid(`"name" must be 1..${MAX_CONTACT_NAME_CHARS} characters, trimmed, without control characters`)
  }
  if (!Array.isArray(addresses) || addresses.length > MAX_CONTACT_ADDRESSES) {
    throw invalid(`"addresses" must be a list of at most ${MAX_CONTACT_ADDRESSES} addresses`)
  }
  for (const address of addresses) {
    if (typeof address !== 'string' || address.length === 0 || address.length > MAX_CONTACT_ADDRESS_CHARS) {
      throw invalid(`each address must be a string of 1..${MAX_CONTACT_ADDRESS_CHARS} characters`)
    }
    try {
      multiaddr(address)
    } catch {
      throw invalid(`${JSON.stringify(address.slice(0, 60))} is not a multiaddr`)
    }
  }
  const hello: ContactHelloFrame = { type, name, addresses: [...addresses as string[]] }
  if (time !== undefined) hello.time = time
  if (sessions === true) hello.sessions = true
  return hello
}

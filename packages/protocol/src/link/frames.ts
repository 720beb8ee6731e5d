/**
 * `/parley/link/1.0.0` frames (docs/protocols.md, "Linking a device"): each
 * one length-prefixed UTF-8 JSON object of at most MAX_LINK_FRAME_BYTES, on
 * one stream A opens to the new device. Unknown fields are invalid; byte
 * fields are base64url without padding, in their one form.
 *
 * A → new device: `hello` (A's nonce and proof, the account and its name),
 * then `granted` (the signed device list and the offer of the account's
 * state) or `cancel`. New device → A: `hello` (its nonce and proof), then
 * `done` or `cancel`. Either side may send `cancel` at any time.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { toBase64Url } from '../base64.ts'
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../file/constants.ts'
import { onlyKeys, parseJsonObject } from '../json-frame.ts'
import { base64UrlBytes, isLinkName, isPeerId } from './checks.ts'
import { LINK_HELLO_VERSION, LINK_NONCE_BYTES, LINK_PROOF_BYTES, MAX_LINK_FRAME_BYTES, MAX_LINK_LIST_BYTES, MAX_LINK_STATE_BYTES } from './constants.ts'
import { isCancelReason, LINK_CANCEL_REASONS } from './errors.ts'
import type { LinkCancelReason } from './errors.ts'

/** The account's signed device list, opaque here (packages/protocol/src/devices checks it). */
export interface SignedDeviceList {
  body: string
  sig: string
}

/** The account's state as a keyed file of `/parley/file/1.1.0` (its key is the state key, derived, never sent). */
export interface StateOffer {
  /** the transfer id OPEN names: a ULID */
  id: string
  /** bytes, 1..MAX_LINK_STATE_BYTES */
  size: number
  /** a power of two, MIN_CHUNK_BYTES..MAX_CHUNK_BYTES */
  chunkSize: number
  /** SHA-256 of the whole file, 64 lowercase hex digits */
  sha256: string
  /** SHA-256 of the chunk hash list, 64 lowercase hex digits */
  listHash: string
}

/** A's `hello`. */
export interface ExistingHello {
  type: 'hello'
  v: typeof LINK_HELLO_VERSION
  /** the account's PeerID */
  account: string
  /** the account's display name, 0..64 code points */
  name: string
  nonce: Uint8Array
  proof: Uint8Array
}

/** The new device's `hello`. */
export interface DeviceHello {
  type: 'hello'
  nonce: Uint8Array
  proof: Uint8Array
}

export interface Granted {
  type: 'granted'
  list: SignedDeviceList
  state: StateOffer
}

export interface Cancel {
  type: 'cancel'
  reason: LinkCancelReason
}

/** What A sends (what the new device reads). */
export type FrameFromExisting = ExistingHello | Granted | Cancel
/** What the new device sends (what A reads). */
export type FrameFromDevice = DeviceHello | { type: 'done' } | Cancel

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
const HEX_SHA256 = /^[0-9a-f]{64}$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const encoder = new TextEncoder()

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid link frame: ${reason}`)
}

/** The frame's body; the frame is checked as its reader will check it, so nothing is sent that the peer must refuse. */
export function encodeFrameFromExisting (frame: FrameFromExisting): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(toJson(frame)))
  decodeFrameFromExisting(bytes)
  return bytes
}

/** As {@link encodeFrameFromExisting}, for the new device's frames. */
export function encodeFrameFromDevice (frame: FrameFromDevice): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(toJson(frame)))
  decodeFrameFromDevice(bytes)
  return bytes
}

function toJson (frame: FrameFromExisting | FrameFromDevice): Record<string, unknown> {
  switch (frame.type) {
    case 'hello':
      return 'account' in frame
        ? { type: 'hello', v: frame.v, account: frame.account, name: frame.name, nonce: toBase64Url(frame.nonce), proof: toBase64Url(frame.proof) }
        : { type: 'hello', nonce: toBase64Url(frame.nonce), proof: toBase64Url(frame.proof) }
    case 'granted':
      return {
        type: 'granted',
        list: { body: frame.list.body, sig: frame.list.sig },
        state: { id: frame.state.id, size: frame.state.size, chunkSize: frame.state.chunkSize, sha256: frame.state.sha256, listHash: frame.state.listHash }
      }
    case 'cancel':
      return { type: 'cancel', reason: frame.reason }
    case 'done':
      return { type: 'done' }
  }
}

/** A frame from A, as the new device reads it; throws InvalidMessageError saying what is wrong. */
export function decodeFrameFromExisting (bytes: Uint8Array): FrameFromExisting {
  const obj = parseJsonObject(bytes, MAX_LINK_FRAME_BYTES, invalid)
  switch (obj['type']) {
    case 'hello': {
      onlyKeys(obj, ['type', 'v', 'account', 'name', 'nonce', 'proof'], invalid)
      if (obj['v'] !== LINK_HELLO_VERSION) throw invalid(`"v" must be ${LINK_HELLO_VERSION}`)
      const account = obj['account']
      if (!isPeerId(account)) throw invalid('"account" must be an Ed25519 PeerID in its canonical form')
      const name = obj['name']
      if (!isLinkName(name)) throw invalid('"name" must be 0 to 64 characters without control characters')
      return { type: 'hello', v: LINK_HELLO_VERSION, account, name, ...nonceAndProof(obj) }
    }
    case 'granted':
      onlyKeys(obj, ['type', 'list', 'state'], invalid)
      return { type: 'granted', list: listField(obj['list']), state: stateField(obj['state']) }
    case 'cancel':
      return cancelFrame(obj)
    default:
      throw invalid('"type" must be "hello", "granted" or "cancel"')
  }
}

/** A frame from the new device, as A reads it; throws InvalidMessageError saying what is wrong. */
export function decodeFrameFromDevice (bytes: Uint8Array): FrameFromDevice {
  const obj = parseJsonObject(bytes, MAX_LINK_FRAME_BYTES, invalid)
  switch (obj['type']) {
    case 'hello':
      onlyKeys(obj, ['type', 'nonce', 'proof'], invalid)
      return { type: 'hello', ...nonceAndProof(obj) }
    case 'done':
      onlyKeys(obj, ['type'], invalid)
      return { type: 'done' }
    case 'cancel':
      return cancelFrame(obj)
    default:
      throw invalid('"type" must be "hello", "done" or "cancel"')
  }
}

function nonceAndProof (obj: Record<string, unknown>): { nonce: Uint8Array, proof: Uint8Array } {
  const nonce = base64UrlBytes(obj['nonce'], LINK_NONCE_BYTES)
  if (nonce === undefined) throw invalid(`"nonce" must be base64url of ${LINK_NONCE_BYTES} bytes`)
  const proof = base64UrlBytes(obj['proof'], LINK_PROOF_BYTES)
  if (proof === undefined) throw invalid(`"proof" must be base64url of ${LINK_PROOF_BYTES} bytes`)
  return { nonce, proof }
}

function cancelFrame (obj: Record<string, unknown>): Cancel {
  onlyKeys(obj, ['type', 'reason'], invalid)
  const reason = obj['reason']
  if (!isCancelReason(reason)) throw invalid(`"reason" must be one of ${LINK_CANCEL_REASONS.join(', ')}`)
  return { type: 'cancel', reason }
}

function listField (value: unknown): SignedDeviceList {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('"list" must be an object')
  const list = value as Record<string, unknown>
  if (Object.keys(list).some(k => k !== 'body' && k !== 'sig')) throw invalid('"list" has only body and sig')
  const { body, sig } = list
  if (typeof body !== 'string' || typeof sig !== 'string' || body === '' || sig === '' || LONE_SURROGATE.test(body) || LONE_SURROGATE.test(sig)) {
    throw invalid('"list.body" and "list.sig" must be non-empty text')
  }
  if (encoder.encode(JSON.stringify({ body, sig })).byteLength > MAX_LINK_LIST_BYTES) throw invalid(`"list" is at most ${MAX_LINK_LIST_BYTES} bytes`)
  return { body, sig }
}

function stateField (value: unknown): StateOffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('"state" must be an object')
  const state = value as Record<string, unknown>
  if (Object.keys(state).some(k => !['id', 'size', 'chunkSize', 'sha256', 'listHash'].includes(k))) throw invalid('"state" has only id, size, chunkSize, sha256, listHash')
  const { id, size, chunkSize, sha256, listHash } = state
  if (typeof id !== 'string' || !ULID.test(id)) throw invalid('"state.id" must be a ULID')
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || size > MAX_LINK_STATE_BYTES) throw invalid(`"state.size" must be an integer of 1..${MAX_LINK_STATE_BYTES} bytes`)
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES || (chunkSize & (chunkSize - 1)) !== 0) {
    throw invalid(`"state.chunkSize" must be a power of two from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`)
  }
  if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256)) throw invalid('"state.sha256" must be 64 lowercase hex digits')
  if (typeof listHash !== 'string' || !HEX_SHA256.test(listHash)) throw invalid('"state.listHash" must be 64 lowercase hex digits')
  return { id, size, chunkSize, sha256, listHash }
}

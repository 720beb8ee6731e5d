/**
 * An account's signed device list (docs/protocols.md, "Linked devices: the
 * device list"): which devices, each with its own libp2p key and PeerID,
 * speak for an account, signed by the account's key.
 *
 * The account is the identity contacts know: the PeerID in invites and the
 * safety number, an Ed25519 key. The device that holds that key is the
 * account's first device (its libp2p PeerID is the account's, so contacts
 * with older apps reach it as before); devices linked later have keys of
 * their own and are trusted because the account's key lists them here.
 *
 * On the wire a list is `{ "body": <JSON text>, "sig": <base64url> }`, as
 * group operations are (group/op.ts): `body` is the exact text signed, `sig`
 * the account key's Ed25519 signature of DEVICE_LIST_SIGN_CONTEXT · body
 * (UTF-8), in base64url without padding. Unlike an operation's, the body
 * must be the one compact text its fields make (keys in the documented
 * order, no spaces): one list has one wire form, so two lists of the same
 * version are the same list exactly when their bodies are equal.
 *
 * Pure, shared by the app and relay-node. Where the list is published (the
 * account's peer record, sessions) and how a device gets into it (linking)
 * are the next increments of issue 58.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { fromBase64Url, toBase64Url } from '../base64.ts'
import { ed25519KeyOf } from '../group/keys.ts'
import { isRecord } from '../is-record.ts'
import {
  DEVICE_LIST_FORMAT, DEVICE_LIST_SIGN_CONTEXT, MAX_DEVICE_LIST_BODY_BYTES, MAX_DEVICE_LIST_BYTES, MAX_DEVICE_LIST_VERSION,
  MAX_DEVICES
} from './constants.ts'
import { deviceNameProblem } from './name.ts'

export { deviceNameProblem }

/** Why a list is refused; `conflict` comes only from {@link compareDeviceLists}. */
export type DeviceListProblem =
  | 'too-large' | 'malformed' | 'bad-signature' | 'wrong-account'
  | 'too-many-devices' | 'duplicate' | 'holder-not-first' | 'conflict'

export const DEVICE_LIST_PROBLEMS: readonly DeviceListProblem[] = [
  'too-large', 'malformed', 'bad-signature', 'wrong-account', 'too-many-devices', 'duplicate', 'holder-not-first', 'conflict'
]

export class DeviceListError extends Error {
  override name = 'DeviceListError'
  constructor (readonly code: DeviceListProblem, message: string) {
    super(message)
  }
}

/** One device of a list. */
export interface DeviceEntry {
  /** its libp2p PeerID (Ed25519, base58btc `12D3KooW…`); the first device's is the account's */
  peer: string
  /** what its owner calls it: 0 to MAX_DEVICE_NAME_CHARS UTF-16 units, trimmed, no control characters */
  name: string
  /** when it was added, ms since the epoch (the first device: when the account was made) */
  added: number
}

/** What a list says. */
export interface DeviceListFields {
  /** the account's PeerID, whose key signs the list */
  account: string
  /** 1 to 2^53 − 1; a newer list of the account has a greater one */
  version: number
  /** when the holder signed it, ms since the epoch (shown, never used for order) */
  at: number
  /** 1 to MAX_DEVICES devices, the account's own first */
  devices: DeviceEntry[]
}

/** A list as the wire carries it. */
export interface SignedDeviceList {
  body: string
  sig: string
}

/** A list that passed {@link openDeviceList}: its fields and its wire form. */
export interface DeviceList extends DeviceListFields {
  signed: SignedDeviceList
}

/** What to do with a list offered while another of the same account is held ({@link compareDeviceLists}). */
export type DeviceListVerdict = 'newer' | 'same' | 'older'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** 64 bytes in base64url without padding. */
const SIG = /^[A-Za-z0-9_-]{86}$/
const BODY_KEYS = ['v', 'account', 'version', 'at', 'devices']
const DEVICE_KEYS = ['peer', 'name', 'added']

function refuse (code: DeviceListProblem, message: string): never {
  throw new DeviceListError(code, message)
}

/** The version a holder signs next: greater than the last it signed (or restored), and the time when the clock allows. */
export function nextDeviceListVersion (previous: number, now: number): number {
  return Math.max(previous + 1, Math.floor(now))
}

/** The one body text `fields` make: keys in order, no spaces (JSON.stringify's escapes). */
export function deviceListBody (fields: DeviceListFields): string {
  return JSON.stringify({
    v: DEVICE_LIST_FORMAT,
    account: fields.account,
    version: fields.version,
    at: fields.at,
    devices: fields.devices.map(d => ({ peer: d.peer, name: d.name, added: d.added }))
  })
}

/**
 * Signs `fields` with the account's key (`secret`: its 32-byte Ed25519
 * seed) and returns the list as {@link openDeviceList} would.
 *
 * @throws DeviceListError when the fields break a rule, or the key is not the account's ('wrong-account')
 */
export function signDeviceList (secret: Uint8Array, fields: DeviceListFields): DeviceList {
  const key = ed25519KeyOf(fields.account)
  if (key === undefined) refuse('malformed', '"account" must be an Ed25519 PeerID')
  const own = ed25519.getPublicKey(secret)
  if (!own.every((b, i) => b === key[i])) refuse('wrong-account', 'the key given is not the account\'s')
  const body = deviceListBody(fields)
  const sig = toBase64Url(ed25519.sign(encoder.encode(DEVICE_LIST_SIGN_CONTEXT + body), secret))
  return decode({ body, sig }, undefined, true)
}

/**
 * Opens and checks a list: the JSON bytes as they came (at most
 * MAX_DEVICE_LIST_BYTES), or the `{ body, sig }` object. With `account`,
 * a list of any other account is refused ('wrong-account'). The checks, in
 * this order: size; shape (`body` and `sig` only, strings); the body's
 * size; `sig` as 64 bytes of base64url; the body as JSON with exactly `v`
 * (1), `account`, `version`, `at`, `devices`; `account` an Ed25519 PeerID
 * (and the one asked for); the signature by its key; then the fields:
 * `version` and `at`, the devices (1 to MAX_DEVICES: 'too-many-devices'),
 * each `{peer, name, added}`, the account's own first ('holder-not-first'),
 * none twice ('duplicate'); and the body is the one text its fields make.
 *
 * @throws DeviceListError saying what is wrong
 */
export function openDeviceList (input: Uint8Array | unknown, options: { account?: string } = {}): DeviceList {
  let value: unknown = input
  if (input instanceof Uint8Array) {
    if (input.byteLength > MAX_DEVICE_LIST_BYTES) refuse('too-large', `a device list is at most ${MAX_DEVICE_LIST_BYTES} bytes, this one ${input.byteLength}`)
    try {
      value = JSON.parse(decoder.decode(input))
    } catch {
      refuse('malformed', 'a device list is UTF-8 JSON')
    }
  }
  return decode(value, options.account, false)
}

/**
 * The rule for a list offered while `held` is the one kept (undefined: none
 * yet): take it only when its version is greater ('newer'); the same version
 * with the same body is the list already held ('same'); a lower version is
 * 'older' (keep the held one). Both must be opened lists.
 *
 * @throws DeviceListError('wrong-account') when they are of two accounts,
 *   ('conflict') when they carry the same version and other bodies: the
 *   account's key signed two lists with one version (two copies of the key
 *   signing, or a bug); the held one stays.
 */
export function compareDeviceLists (held: DeviceList | undefined, offered: DeviceList): DeviceListVerdict {
  if (held === undefined) return 'newer'
  if (held.account !== offered.account) refuse('wrong-account', `a list of ${offered.account} offered for ${held.account}'s`)
  if (offered.version > held.version) return 'newer'
  if (offered.version < held.version) return 'older'
  if (offered.signed.body !== held.signed.body) refuse('conflict', `two different lists of ${held.account} have version ${held.version}`)
  return 'same'
}

function decode (value: unknown, account: string | undefined, signed: boolean): DeviceList {
  if (!isRecord(value)) refuse('malformed', 'a device list is an object')
  only(value, ['body', 'sig'], 'a device list')
  const { body, sig } = value
  if (typeof body !== 'string' || typeof sig !== 'string') refuse('malformed', '"body" and "sig" must be strings')
  const bodyBytes = encoder.encode(body)
  if (bodyBytes.byteLength > MAX_DEVICE_LIST_BODY_BYTES) refuse('too-large', `a device list's body is at most ${MAX_DEVICE_LIST_BODY_BYTES} bytes, this one ${bodyBytes.byteLength}`)
  const signature = signatureOf(sig)
  if (signature === undefined) refuse('malformed', '"sig" must be 64 bytes of base64url without padding')
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bodyBytes))
  } catch {
    refuse('malformed', 'the body is not JSON')
  }
  if (!isRecord(parsed)) refuse('malformed', 'the body is not an object')
  only(parsed, BODY_KEYS, 'the body')
  if (parsed['v'] !== DEVICE_LIST_FORMAT) refuse('malformed', `"v" must be ${DEVICE_LIST_FORMAT}`)
  const owner = parsed['account']
  const key = typeof owner === 'string' ? ed25519KeyOf(owner) : undefined
  if (typeof owner !== 'string' || key === undefined) refuse('malformed', '"account" must be an Ed25519 PeerID')
  if (account !== undefined && owner !== account) refuse('wrong-account', `the list is ${owner}'s, not ${account}'s`)
  let valid = signed
  try {
    valid ||= ed25519.verify(signature, encoder.encode(DEVICE_LIST_SIGN_CONTEXT + body), key, { zip215: false })
  } catch {
    valid = false
  }
  if (!valid) refuse('bad-signature', 'the signature is not the account\'s')
  const version = integer(parsed['version'], 1, '"version"')
  const at = integer(parsed['at'], 0, '"at"')
  const list = parsed['devices']
  if (!Array.isArray(list) || list.length === 0) refuse('malformed', '"devices" must list the account\'s devices')
  if (list.length > MAX_DEVICES) refuse('too-many-devices', `an account has at most ${MAX_DEVICES} devices, this list ${list.length}`)
  const devices = list.map(device)
  if (devices[0]?.peer !== owner) refuse('holder-not-first', 'the first device must be the account\'s own')
  if (new Set(devices.map(d => d.peer)).size !== devices.length) refuse('duplicate', 'a device is listed twice')
  const fields: DeviceListFields = { account: owner, version, at, devices }
  if (deviceListBody(fields) !== body) refuse('malformed', 'the body is not in its one form (keys in order, no spaces)')
  return { ...fields, signed: { body, sig } }
}

function device (value: unknown): DeviceEntry {
  if (!isRecord(value)) refuse('malformed', 'a device is an object')
  only(value, DEVICE_KEYS, 'a device')
  const { peer, name } = value
  if (typeof peer !== 'string' || ed25519KeyOf(peer) === undefined) refuse('malformed', 'a device\'s "peer" must be an Ed25519 PeerID')
  if (typeof name !== 'string') refuse('malformed', 'a device\'s "name" must be text')
  const problem = deviceNameProblem(name)
  if (problem !== undefined) refuse('malformed', problem)
  return { peer, name, added: integer(value['added'], 0, 'a device\'s "added"') }
}

function integer (value: unknown, min: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_DEVICE_LIST_VERSION) {
    refuse('malformed', `${what} must be an integer from ${min} to 2^53 − 1`)
  }
  return value
}

function only (obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(obj).filter(key => !allowed.includes(key))
  if (extra.length > 0) refuse('malformed', `unknown field(s) in ${where}: ${extra.slice(0, 3).map(k => JSON.stringify(k.slice(0, 20))).join(', ')}`)
}

/** The 64 bytes of a signature, or undefined unless `sig` is their one base64url text. */
function signatureOf (sig: string): Uint8Array | undefined {
  if (!SIG.test(sig)) return undefined
  const bytes = fromBase64Url(sig)
  return bytes.byteLength === 64 && toBase64Url(bytes) === sig ? bytes : undefined
}

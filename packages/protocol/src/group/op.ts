/**
 * Group operations (docs/protocols.md, "Groups"): the signed changes that
 * make a group — create, add, remove, leave, role, rename, picture, profile,
 * timer, devices.
 *
 * On the wire an operation is `{ "body": <JSON text>, "sig": <base64> }`:
 * `body` is the exact text that was signed, so no canonical form of JSON is
 * needed; `sig` is the author's Ed25519 signature of OP_SIGN_CONTEXT · body
 * (UTF-8). The author's key is its PeerID (an Ed25519 identity multihash), so
 * anyone can check an operation without being told a key. An operation made
 * on an account's linked device (issue 58) names the account as `author`,
 * the device's PeerID as `device`, and is signed by the DEVICE's key: the
 * signature proves the device made it; whether the device speaks for the
 * account is the fold's to say (state.ts), from the account's signed device
 * lists that travel in the group's log as `devices` operations (or in the
 * create: a group made on a linked device carries the list naming it, which
 * is checked here since nothing precedes a create). An operation's id
 * is the hex SHA-256 of its body; a group's id is the first 16 bytes (32 hex
 * digits) of its create operation's id, so a group id names its creator's
 * signed create and no one else can make another one for it.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { toBase64 } from '../base64.ts'
import { LONE_SURROGATE } from '../chat/checks.ts'
import { MESSAGE_TTLS } from '../chat/constants.ts'
import { MAX_DEVICE_LIST_BYTES } from '../devices/constants.ts'
import { DeviceListError, openDeviceList } from '../devices/list.ts'
import {
  MAX_ADDR_CHARS, MAX_DEPS, MAX_GROUP_NAME_CHARS, MAX_MAILBOXES, MAX_MEMBER_NAME_CHARS, MAX_MEMBERS,
  MAX_OP_BYTES, MAX_PICTURE_CHARS, OP_SIGN_CONTEXT
} from './constants.ts'
import { ed25519KeyOf, signatureOf } from './keys.ts'
import type { GroupRole } from './constants.ts'
import type { SignedDeviceList } from '../devices/list.ts'

/** 64 lowercase hex digits: an operation id. */
export const OP_ID_PATTERN = /^[0-9a-f]{64}$/
/** 32 lowercase hex digits: a group id. */
export const GROUP_ID_PATTERN = /^[0-9a-f]{32}$/
const PICTURE_PATTERN = /^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/
const LAMPORT_MAX = 2 ** 31

/** A member as the create operation lists it. */
export interface InitialMember {
  peer: string
  name: string
  /** the creator's word that this member's app speaks sessions (its contact row's mark: its hellos said so); docs/protocols.md, "Sessions are mandatory" */
  sessions?: true
}

/** What an operation does; `author`, `lamport`, `deps` and `at` are common to all. */
export type GroupOpChange =
  /** `list`: the creator account's signed device list, its devices' first set in the group; required when a linked device makes the create (it must name that device) */
  | { kind: 'create', name: string, members: InitialMember[], picture?: string, list?: SignedDeviceList }
  /** `sessions`: the adder's word that the added member's app speaks sessions (the adder's contact row's mark) */
  | { kind: 'add', peer: string, name: string, sessions?: true }
  | { kind: 'remove', peer: string }
  | { kind: 'leave' }
  | { kind: 'role', peer: string, role: Exclude<GroupRole, 'owner'> }
  | { kind: 'rename', name: string }
  | { kind: 'picture', picture: string }
  /** `sessions`: the author's app speaks sessions (its own word, signed; docs/protocols.md, "Sessions are mandatory") */
  | { kind: 'profile', name: string, mailboxes: string[], sessions?: true }
  /** the group's disappearing-messages timer: seconds (one of MESSAGE_TTLS), 0 = off */
  | { kind: 'timer', ttl: number }
  /**
   * the author account's signed device list (the object `/parley/devices/1.0.0`
   * carries; devices/list.ts), which the fold opens under the author's key:
   * from it on, the devices it names speak for the author in the group
   */
  | { kind: 'devices', list: SignedDeviceList }

export type GroupOpKind = GroupOpChange['kind']

/** An operation as the wire carries it. */
export interface SignedGroupOp {
  body: string
  sig: string
}

/** A verified operation: its change, who made it where in the chain, and its wire form. */
export type GroupOp = GroupOpChange & {
  /** hex SHA-256 of `signed.body` */
  id: string
  group: string
  /** the account that made it: a member is an account */
  author: string
  /** the author's linked device that made and signed it (absent: the author's own key signed it) */
  device?: string
  /** 1 for create; else 1 + the largest lamport among `deps` (checked when the deps are known) */
  lamport: number
  /** ids of the operations this one follows (sorted, unique; empty only for create) */
  deps: string[]
  /** the author's clock, ms since the epoch (shown, never used for order) */
  at: number
  signed: SignedGroupOp
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function invalidOp (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid group operation: ${reason}`)
}

export { ed25519KeyOf, signatureOf }

function hexId (body: Uint8Array): string {
  return bytesToHex(sha256(body))
}

/** The id an operation with this body has (decodeGroupOp's `id`), without checking anything. */
export function groupOpId (body: string): string {
  return hexId(encoder.encode(body))
}

/** The group id a create operation with this id makes. */
export function groupIdOf (createOpId: string): string {
  return createOpId.slice(0, 32)
}

/**
 * Signs a change as `author`: `secret` is the Ed25519 secret key (the
 * 32-byte seed) of the author, or with `head.device` of that device of the
 * author's account (a linked device's own key).
 */
export function signGroupOp (
  change: GroupOpChange,
  head: { group?: string, author: string, device?: string, lamport: number, deps: readonly string[], at: number },
  secret: Uint8Array
): GroupOp {
  const fields: Record<string, unknown> = { v: 1, kind: change.kind, author: head.author }
  if (head.device !== undefined) fields['device'] = head.device
  Object.assign(fields, { lamport: head.lamport, deps: [...new Set(head.deps)].sort(), at: head.at })
  if (change.kind !== 'create') fields['group'] = head.group
  for (const [key, value] of Object.entries(change)) if (key !== 'kind' && value !== undefined) fields[key] = value
  const body = JSON.stringify(fields)
  const sig = toBase64(ed25519.sign(encoder.encode(OP_SIGN_CONTEXT + body), secret))
  return decodeGroupOp({ body, sig })
}

/**
 * Checks an operation as it came off the wire: shape, limits, fields and the
 * author's signature. Throws InvalidMessageError saying what is wrong. Whether
 * its author may make it, and its place in the chain, are the log's to judge
 * (log.ts, state.ts). `verified`: the signature was checked when this very
 * operation was stored on this device (reading it back from our own
 * database); everything else is checked again.
 */
export function decodeGroupOp (value: unknown, options: { verified?: boolean } = {}): GroupOp {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOp('not an object')
  const outer = value as Record<string, unknown>
  only(outer, ['body', 'sig'], 'the operation')
  const { body, sig } = outer
  if (typeof body !== 'string' || typeof sig !== 'string') throw invalidOp('"body" and "sig" must be strings')
  const bodyBytes = encoder.encode(body)
  if (bodyBytes.byteLength > MAX_OP_BYTES) throw invalidOp(`body of ${bodyBytes.byteLength} bytes is over the limit of ${MAX_OP_BYTES}`)
  const signature = signatureOf(sig)
  if (signature === undefined) throw invalidOp('"sig" must be 64 bytes of base64')
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bodyBytes))
  } catch {
    throw invalidOp('body is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidOp('body is not an object')
  const fields = parsed as Record<string, unknown>
  if (fields['v'] !== 1) throw invalidOp('"v" must be 1')
  const author = fields['author']
  const key = typeof author === 'string' ? ed25519KeyOf(author) : undefined
  if (typeof author !== 'string' || key === undefined) throw invalidOp('"author" must be an Ed25519 PeerID')
  const device = deviceField(fields['device'], author)
  let valid = options.verified === true
  try {
    valid ||= ed25519.verify(signature, encoder.encode(OP_SIGN_CONTEXT + body), device?.key ?? key, { zip215: false })
  } catch {
    valid = false
  }
  if (!valid) throw invalidOp(device === undefined ? 'the signature is not the author\'s' : 'the signature is not the device\'s')
  const id = hexId(bodyBytes)
  const change = decodeChange(fields)
  const lamport = fields['lamport']
  if (typeof lamport !== 'number' || !Number.isSafeInteger(lamport) || lamport < 1 || lamport >= LAMPORT_MAX) throw invalidOp('"lamport" must be an integer, 1 ≤ lamport < 2^31')
  const at = fields['at']
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) throw invalidOp('"at" must be an integer of ms since the epoch')
  const deps = fields['deps']
  if (!Array.isArray(deps) || deps.length > MAX_DEPS || !deps.every((d): d is string => typeof d === 'string' && OP_ID_PATTERN.test(d))) {
    throw invalidOp(`"deps" must be at most ${MAX_DEPS} operation ids`)
  }
  for (let i = 1; i < deps.length; i++) if ((deps[i - 1] ?? '') >= (deps[i] ?? '')) throw invalidOp('"deps" must be sorted and unique')
  let group: string
  if (change.kind === 'create') {
    if ('group' in fields) throw invalidOp('a create operation names no group (its id makes it)')
    if (deps.length !== 0 || lamport !== 1) throw invalidOp('a create operation has no deps and lamport 1')
    group = groupIdOf(id)
  } else {
    const named = fields['group']
    if (typeof named !== 'string' || !GROUP_ID_PATTERN.test(named)) throw invalidOp('"group" must be 32 hex digits')
    if (deps.length === 0 || lamport < 2) throw invalidOp('only a create operation has no deps')
    group = named
  }
  return { ...change, id, group, author, ...(device === undefined ? {} : { device: device.peer }), lamport, deps, at, signed: { body, sig } }
}

/**
 * An optional `device` (an operation's or a message's): the PeerID of the
 * author's linked device whose key signed it, with that key; never the
 * author itself (its own key signs without naming a device).
 */
export function deviceField (value: unknown, author: string): { peer: string, key: Uint8Array } | undefined {
  if (value === undefined) return undefined
  const key = typeof value === 'string' ? ed25519KeyOf(value) : undefined
  if (typeof value !== 'string' || key === undefined) throw invalidOp('"device" must be an Ed25519 PeerID')
  if (value === author) throw invalidOp('"device" is not the author: the author\'s own key signs without one')
  return { peer: value, key }
}

const COMMON = ['v', 'kind', 'author', 'device', 'lamport', 'deps', 'at', 'group']
const FIELDS: Record<GroupOpKind, readonly string[]> = {
  create: ['name', 'members', 'picture', 'list'],
  add: ['peer', 'name', 'sessions'],
  remove: ['peer'],
  leave: [],
  role: ['peer', 'role'],
  rename: ['name'],
  picture: ['picture'],
  profile: ['name', 'mailboxes', 'sessions'],
  timer: ['ttl'],
  devices: ['list']
}

function decodeChange (fields: Record<string, unknown>): GroupOpChange {
  const kind = fields['kind']
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) throw invalidOp(`unknown kind ${JSON.stringify(kind)?.slice(0, 40) ?? ''}`)
  const k = kind as GroupOpKind
  only(fields, [...COMMON, ...FIELDS[k]], `a ${k} operation`)
  switch (k) {
    case 'create': {
      const members = fields['members']
      if (!Array.isArray(members) || members.length < 1 || members.length > MAX_MEMBERS) throw invalidOp(`"members" must list 1 to ${MAX_MEMBERS} members, the creator first`)
      const list = members.map((m) => initialMember(m))
      if (list[0]?.peer !== fields['author']) throw invalidOp('the creator must be the first member')
      if (new Set(list.map((m) => m.peer)).size !== list.length) throw invalidOp('a member is listed twice')
      const picture = fields['picture']
      const devices = createList(fields['list'], fields['author'] as string, fields['device'])
      return {
        kind: k, name: groupName(fields['name']), members: list,
        ...(picture === undefined ? {} : { picture: pictureField(picture, false) }),
        ...(devices === undefined ? {} : { list: devices })
      }
    }
    case 'add': return { kind: k, peer: peerField(fields['peer']), name: memberName(fields['name']), ...sessionsField(fields['sessions']) }
    case 'remove': return { kind: k, peer: peerField(fields['peer']) }
    case 'leave': return { kind: k }
    case 'role': {
      const role = fields['role']
      if (role !== 'admin' && role !== 'member') throw invalidOp('"role" must be "admin" or "member"')
      return { kind: k, peer: peerField(fields['peer']), role }
    }
    case 'rename': return { kind: k, name: groupName(fields['name']) }
    case 'picture': return { kind: k, picture: pictureField(fields['picture'], true) }
    case 'profile': {
      const mailboxes = fields['mailboxes']
      if (!Array.isArray(mailboxes) || mailboxes.length > MAX_MAILBOXES ||
        !mailboxes.every((m): m is string => typeof m === 'string' && m.startsWith('/') && m.length <= MAX_ADDR_CHARS)) {
        throw invalidOp(`"mailboxes" must be at most ${MAX_MAILBOXES} multiaddrs`)
      }
      return { kind: k, name: memberName(fields['name']), mailboxes, ...sessionsField(fields['sessions']) }
    }
    case 'timer': {
      const ttl = fields['ttl']
      if (typeof ttl !== 'number' || (ttl !== 0 && !MESSAGE_TTLS.includes(ttl))) throw invalidOp(`"ttl" must be 0 or one of ${MESSAGE_TTLS.join(', ')} seconds`)
      return { kind: k, ttl }
    }
    case 'devices': return { kind: k, list: signedListField(fields['list']) }
  }
}

/**
 * A `list` as the wire carries a signed device list: exactly `body` and
 * `sig`, both strings, at most MAX_DEVICE_LIST_BYTES as JSON. Whether it
 * opens as the author's list is the fold's to say (a list that does not
 * makes its `devices` operation void, not invalid).
 */
function signedListField (value: unknown): SignedDeviceList {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOp('"list" must be a signed device list')
  const list = value as Record<string, unknown>
  only(list, ['body', 'sig'], 'the device list')
  const { body, sig } = list
  if (typeof body !== 'string' || typeof sig !== 'string') throw invalidOp('the device list\'s "body" and "sig" must be strings')
  const bytes = encoder.encode(JSON.stringify({ body, sig })).byteLength
  if (bytes > MAX_DEVICE_LIST_BYTES) throw invalidOp(`the device list is ${bytes} bytes, at most ${MAX_DEVICE_LIST_BYTES}`)
  return { body, sig }
}

/**
 * A create's optional `list`: it must open as the creator's (openDeviceList
 * with the author as account), and name the device that made the create
 * when one did. A create made on a linked device must carry it: nothing
 * before a create can say that the device speaks for the creator.
 */
function createList (value: unknown, author: string, device: unknown): SignedDeviceList | undefined {
  if (value === undefined) {
    if (device !== undefined) throw invalidOp('a create made on a linked device carries the creator\'s device list naming it ("list")')
    return undefined
  }
  const signed = signedListField(value)
  try {
    const list = openDeviceList(signed, { account: author })
    if (device !== undefined && !list.devices.some((d) => d.peer === device)) throw invalidOp('the create\'s device list does not name its device')
  } catch (err) {
    if (err instanceof DeviceListError) throw invalidOp(`the create's device list does not open as the creator's (${err.code})`)
    throw err
  }
  return signed
}

function only (obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(obj).filter((key) => !allowed.includes(key))
  if (extra.length > 0) throw invalidOp(`unknown field(s) in ${where}: ${extra.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 20))).join(', ')}`)
}

function peerField (value: unknown): string {
  if (typeof value !== 'string' || ed25519KeyOf(value) === undefined) throw invalidOp('"peer" must be an Ed25519 PeerID')
  return value
}

function initialMember (value: unknown): InitialMember {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOp('a member must be an object')
  const member = value as Record<string, unknown>
  only(member, ['peer', 'name', 'sessions'], 'a member')
  return { peer: peerField(member['peer']), name: memberName(member['name']), ...sessionsField(member['sessions']) }
}

/** An optional `"sessions": true` (a profile's, an add's, a created member's); any other value is invalid. */
function sessionsField (value: unknown): { sessions?: true } {
  if (value !== undefined && value !== true) throw invalidOp('"sessions" must be true when present')
  return value === true ? { sessions: true } : {}
}

function text (value: unknown, max: number, what: string, empty: boolean): string {
  // the body is JSON text: a "\ud800" escape would bring a lone surrogate, which UTF-8 cannot carry (the chat codec refuses them too)
  if (typeof value !== 'string' || value.trim() !== value || value.length > max || (!empty && value.length === 0) || /[\u0000-\u001f\u007f]/.test(value) || LONE_SURROGATE.test(value)) {
    throw invalidOp(`${what} must be ${empty ? '' : '1 to '}${max} characters, trimmed, without control characters or unpaired surrogates`)
  }
  return value
}

function groupName (value: unknown): string {
  return text(value, MAX_GROUP_NAME_CHARS, 'a group name', false)
}

function memberName (value: unknown): string {
  return text(value, MAX_MEMBER_NAME_CHARS, 'a member name', true)
}

function pictureField (value: unknown, clearable: boolean): string {
  if (clearable && value === '') return ''
  if (typeof value !== 'string' || value.length > MAX_PICTURE_CHARS || !PICTURE_PATTERN.test(value)) {
    throw invalidOp(`a picture must be a data: URL of a JPEG, PNG or WebP image of at most ${MAX_PICTURE_CHARS} characters`)
  }
  return value
}

/** The order every member folds operations in: by lamport, then by id. */
export function compareOps (a: Pick<GroupOp, 'lamport' | 'id'>, b: Pick<GroupOp, 'lamport' | 'id'>): number {
  return a.lamport - b.lamport || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

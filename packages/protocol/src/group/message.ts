/**
 * Group messages (docs/protocols.md, "Groups", "Messages"): anything a 1:1
 * chat sends (a `/parley/chat/1.1.0` dialer frame: a message, a file offer, a
 * reaction, an edit, …) wrapped with the group, its author, a Lamport time and
 * the operation heads the author held, and signed by the author. Any member
 * can pass it on and every receiver checks the author's signature, so members
 * that are not each other's contacts still get each other's messages intact.
 *
 * Made on an account's linked device, a message names the account as
 * `author` and the device as `device`, and the device's key signs it, as an
 * operation made there (op.ts; device.ts `checkMessageDevice` is the receiver's
 * check against the device set of its current state).
 *
 * Wire form, like an operation's: `{ "body": <JSON text>, "sig": <base64> }`,
 * the signature over MESSAGE_SIGN_CONTEXT · body.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { toBase64 } from '../base64.ts'
import { decodeChatFrame, encodeChatFrame } from '../chat/codec.ts'
import { MAX_FRAME_BYTES } from '../chat/constants.ts'
import { MAX_DEPS, MESSAGE_SIGN_CONTEXT } from './constants.ts'
import { deviceField, ed25519KeyOf, GROUP_ID_PATTERN, invalidOp, OP_ID_PATTERN, signatureOf } from './op.ts'
import type { ChatDialerFrame } from '../chat/codec.ts'

/** A signed group message, encoded: the chat frame's limit plus room for the envelope. */
export const MAX_GROUP_MESSAGE_BYTES = MAX_FRAME_BYTES + 4096

export interface SignedGroupMessage {
  body: string
  sig: string
}

export interface GroupMessage {
  group: string
  /** the account that sent it */
  author: string
  /** the author's linked device that sent and signed it (absent: the author's own key signed it) */
  device?: string
  /** 1 + the largest lamport of the group's messages the author had seen */
  lamport: number
  /** the group's operation heads the author held when it sent this (a receiver missing some asks for them) */
  ops: string[]
  /** what is sent; its `id` is the message's id */
  frame: ChatDialerFrame
  signed: SignedGroupMessage
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const FIELDS = ['v', 'group', 'author', 'device', 'lamport', 'ops', 'frame']

/** Signs `frame` as a message of `group` from `author` (Ed25519 secret seed `secret`: the author's, or with `head.device` that device's). */
export function signGroupMessage (
  head: { group: string, author: string, device?: string, lamport: number, ops: readonly string[] },
  frame: ChatDialerFrame,
  secret: Uint8Array
): GroupMessage {
  const inner: unknown = JSON.parse(decoder.decode(encodeChatFrame(frame, '1.1.0')))
  const device = head.device === undefined ? {} : { device: head.device }
  const body = JSON.stringify({ v: 1, group: head.group, author: head.author, ...device, lamport: head.lamport, ops: [...head.ops].sort(), frame: inner })
  const sig = toBase64(ed25519.sign(encoder.encode(MESSAGE_SIGN_CONTEXT + body), secret))
  return decodeGroupMessage({ body, sig })
}

/** Checks a group message as it came: shape, limits, the chat frame inside and the author's signature. Throws InvalidMessageError. */
export function decodeGroupMessage (value: unknown): GroupMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOp('a group message must be an object')
  const outer = value as Record<string, unknown>
  const extra = Object.keys(outer).filter((k) => k !== 'body' && k !== 'sig')
  if (extra.length > 0) throw invalidOp('a group message has only "body" and "sig"')
  const { body, sig } = outer
  if (typeof body !== 'string' || typeof sig !== 'string') throw invalidOp('"body" and "sig" must be strings')
  const bytes = encoder.encode(body)
  if (bytes.byteLength > MAX_GROUP_MESSAGE_BYTES) throw invalidOp(`a group message of ${bytes.byteLength} bytes is over the limit of ${MAX_GROUP_MESSAGE_BYTES}`)
  const signature = signatureOf(sig)
  if (signature === undefined) throw invalidOp('"sig" must be 64 bytes of base64')
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bytes))
  } catch {
    throw invalidOp('a group message body is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidOp('a group message body is not an object')
  const fields = parsed as Record<string, unknown>
  if (Object.keys(fields).some((k) => !FIELDS.includes(k))) throw invalidOp('unknown field in a group message')
  if (fields['v'] !== 1) throw invalidOp('"v" must be 1')
  const { group, author, lamport, ops, frame } = fields
  if (typeof group !== 'string' || !GROUP_ID_PATTERN.test(group)) throw invalidOp('"group" must be 32 hex digits')
  const key = typeof author === 'string' ? ed25519KeyOf(author) : undefined
  if (typeof author !== 'string' || key === undefined) throw invalidOp('"author" must be an Ed25519 PeerID')
  const device = deviceField(fields['device'], author)
  if (typeof lamport !== 'number' || !Number.isSafeInteger(lamport) || lamport < 1 || lamport >= 2 ** 31) throw invalidOp('"lamport" must be an integer, 1 ≤ lamport < 2^31')
  if (!Array.isArray(ops) || ops.length < 1 || ops.length > MAX_DEPS || !ops.every((o): o is string => typeof o === 'string' && OP_ID_PATTERN.test(o))) {
    throw invalidOp(`"ops" must name 1 to ${MAX_DEPS} operation ids`)
  }
  for (let i = 1; i < ops.length; i++) if ((ops[i - 1] ?? '') >= (ops[i] ?? '')) throw invalidOp('"ops" must be sorted and unique')
  let valid = false
  try {
    valid = ed25519.verify(signature, encoder.encode(MESSAGE_SIGN_CONTEXT + body), device?.key ?? key, { zip215: false })
  } catch {
    valid = false
  }
  if (!valid) throw invalidOp(device === undefined ? 'the signature is not the author\'s' : 'the signature is not the device\'s')
  // the chat codec checks the frame as a 1:1 chat would (and throws its own InvalidMessageError)
  const decoded = decodeChatFrame(encoder.encode(JSON.stringify(frame)), 'dialer', '1.1.0')
  return { group, author, ...(device === undefined ? {} : { device: device.peer }), lamport, ops, frame: decoded, signed: { body, sig } }
}

/** The order every member shows a group's messages in: lamport, then author, then id. */
export function compareGroupMessages (a: Pick<GroupMessage, 'lamport' | 'author'> & { id: string }, b: Pick<GroupMessage, 'lamport' | 'author'> & { id: string }): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport
  if (a.author !== b.author) return a.author < b.author ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { SAFETY_QR_PREFIX } from './safety-number.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * Invites (docs/protocols.md, "Invites"): one format, carried as a link
 * `<origin>/#/add/<payload>` where payload is base64url (no padding) of the
 * UTF-8 JSON `{"v":1,"id":<PeerID>,"n":<name>,"a":[<multiaddr>,...]}`.
 * Also accepted on import: the bare payload, and the text form
 * `<PeerID>@<multiaddr>` (no name).
 */

export const INVITE_VERSION = 1
/** Whole invite text, as pasted. */
export const MAX_INVITE_CHARS = 4096
export const MAX_NAME_CHARS = 64
export const MAX_INVITE_ADDRESSES = 8
export const MAX_ADDRESS_CHARS = 512
export const INVITE_LINK_PATH = '#/add/'

/**
 * Longest text worth decoding as a PeerID to explain why it is not one. Real
 * ones are 46 (RSA) to 53 characters; the bound keeps the base58 decoding of
 * pasted junk cheap.
 */
const MAX_PEER_ID_CHARS = 128
/** How much of an untrusted value an error message quotes: enough to recognise it, never a wall of text. */
const QUOTED_PEER_ID_CHARS = 60
const QUOTED_ADDRESS_CHARS = 80
const QUOTED_SHORT_CHARS = 40

const CUT_OFF = 'The invite is incomplete or damaged: it was probably cut off while copying. Copy the whole invite again.'
const NOT_BASE64URL = /[^A-Za-z0-9_-]/
/** C0 and C1 controls, and the bidi controls that could make a quoted value reorder the sentence around it. */
const UNSAFE_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

export interface Invite {
  peerId: string
  /** the display name the inviter chose; undefined for the `peerid@multiaddr` form */
  name?: string
  addresses: string[]
}

/** The invite text cannot be used; the message says why in words. */
export class InvalidInviteError extends Error {
  override name = 'InvalidInviteError'
}

export function validateName (raw: string): string {
  const name = raw.trim()
  if (name.length === 0) throw new InvalidInviteError('The name is empty.')
  if ([...name].length > MAX_NAME_CHARS) throw new InvalidInviteError(`The name is longer than ${MAX_NAME_CHARS} characters.`)
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new InvalidInviteError('The name contains control characters.')
  return name
}

export function encodeInvite (invite: Invite, origin: string): string {
  const json = JSON.stringify({ v: INVITE_VERSION, id: invite.peerId, n: invite.name, a: invite.addresses.slice(0, MAX_INVITE_ADDRESSES) })
  return `${origin}/${INVITE_LINK_PATH}${base64UrlEncode(new TextEncoder().encode(json))}`
}

/** Parses and fully validates an invite in any accepted form. */
export function parseInvite (text: string): Invite {
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new InvalidInviteError('The invite is empty. Paste the invite your contact sent you.')
  if (trimmed.length > MAX_INVITE_CHARS) throw new InvalidInviteError(`The invite is too long (more than ${MAX_INVITE_CHARS} characters).`)

  const hashAt = trimmed.indexOf(INVITE_LINK_PATH)
  if (hashAt < 0) {
    // People scan whatever QR code is in front of them: naming what it was
    // says more than "not an invite". Checked before the text form, because
    // e-mail addresses, vCards and Wi-Fi passwords may contain "@".
    const foreign = describeForeignText(trimmed)
    if (foreign != null) throw new InvalidInviteError(foreign)
    if (!trimmed.includes('#')) {
      const at = trimmed.indexOf('@')
      if (at === 0) throw new InvalidInviteError('The invite has no PeerID before the "@": the text form is <PeerID>@<address>.')
      if (at > 0) {
        const address = trimmed.slice(at + 1)
        if (address.length === 0) throw new InvalidInviteError('The invite has no address after the "@": the text form is <PeerID>@<address>.')
        return checkInvite(trimmed.slice(0, at), undefined, [address])
      }
    }
  }

  const isLink = hashAt >= 0
  const data = decodePayload(isLink ? trimmed.slice(hashAt + INVITE_LINK_PATH.length) : trimmed, isLink)
  if (typeof data !== 'object' || data == null || Array.isArray(data)) {
    throw new InvalidInviteError(`The invite is damaged: it holds no invite data (it holds ${describeJson(data)}).`)
  }
  const fields = data as Record<string, unknown>
  const { v, id, n, a } = fields
  if (v === undefined) throw new InvalidInviteError('The invite is damaged: the version is missing.')
  if (typeof v !== 'number') throw new InvalidInviteError('The invite is damaged: the version is not a number.')
  if (v !== INVITE_VERSION) {
    const newer = Number.isInteger(v) && v > INVITE_VERSION ? ': it was probably made by a newer Parley' : ''
    throw new InvalidInviteError(`This invite has version ${String(v)}, which this version of Parley does not understand${newer}.`)
  }
  if (id === undefined) throw new InvalidInviteError('The invite is damaged: the PeerID is missing.')
  if (typeof id !== 'string') throw new InvalidInviteError('The invite is damaged: the PeerID is not text.')
  if (n != null && typeof n !== 'string') throw new InvalidInviteError('The invite is damaged: the name is not text.')
  if (a === undefined) throw new InvalidInviteError('The invite is damaged: the address list is missing.')
  if (!Array.isArray(a)) throw new InvalidInviteError('The invite is damaged: the address list is not a list of text addresses.')
  if (!a.every((x): x is string => typeof x === 'string')) {
    const notText = a.findIndex(x => typeof x !== 'string')
    throw new InvalidInviteError(`The invite is damaged: address ${notText + 1} in the list is not text.`)
  }
  const extra = Object.keys(fields).filter(k => !['v', 'id', 'n', 'a'].includes(k))
  if (extra[0] != null) throw new InvalidInviteError(`The invite is damaged: unknown field ${quote(extra[0], QUOTED_SHORT_CHARS)}.`)
  return checkInvite(id, n ?? undefined, a)
}

/**
 * Decodes base64url → UTF-8 → JSON, saying which step failed. A copy that
 * lost its end still starts like an invite (with `{`, or is empty), which
 * tells a cut-off invite apart from text that never was one.
 */
function decodePayload (payload: string, isLink: boolean): unknown {
  const notInvite = isLink ? 'The link is not a Parley invite' : 'This is not a Parley invite'
  if (NOT_BASE64URL.test(payload.replace(/\s/g, ''))) {
    throw new InvalidInviteError(`${notInvite}: it contains characters that an invite never has.`)
  }
  if (NOT_BASE64URL.test(payload)) {
    throw new InvalidInviteError(`${notInvite}, or it was split while copying: it contains spaces or line breaks. Copy it again as one piece.`)
  }
  // base64url of whole bytes never leaves 1 character over; a cut can
  const usable = payload.length % 4 === 1 ? payload.slice(0, -1) : payload
  const bytes = base64UrlDecode(usable)
  const startsLikeInvite = bytes.length === 0 || bytes[0] === 0x7b // '{'
  if (usable !== payload) throw new InvalidInviteError(startsLikeInvite ? CUT_OFF : `${notInvite}: it is not in the encoding invites use.`)
  let text
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new InvalidInviteError(startsLikeInvite ? CUT_OFF : `${notInvite}: its content is binary data, not text.`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new InvalidInviteError(startsLikeInvite ? CUT_OFF : `${notInvite}: its content is text, but not invite data.`)
  }
}

/** What a QR code or pasted text that is not an invite looks like, in words; undefined if it could be an invite. */
function describeForeignText (text: string): string | undefined {
  const looksLike = (what: string): string => `This is not a Parley invite: it looks like ${what}.`
  if (text.startsWith(`${SAFETY_QR_PREFIX}:`)) {
    return 'This is a Parley safety-number code, not an invite: scan it where you verify a contact, not where you add one.'
  }
  if (/^WIFI:/i.test(text)) return looksLike('the details of a Wi-Fi network')
  if (/^mailto:/i.test(text) || /^[^\s@/:]+@[^\s@/:]+\.[a-z]{2,}$/i.test(text)) return looksLike('an e-mail address')
  if (/^(BEGIN:VCARD|MECARD:)/i.test(text)) return looksLike('a contact card (vCard)')
  if (/^BEGIN:(VCALENDAR|VEVENT)/i.test(text)) return looksLike('a calendar event')
  if (/^tel:/i.test(text)) return looksLike('a phone number')
  if (/^(sms|smsto|mms|mmsto):/i.test(text)) return looksLike('a text message')
  if (/^geo:/i.test(text)) return looksLike('a map location')
  if (/<[a-z!/?]/i.test(text)) return looksLike('HTML or script code')
  if (/^javascript:/i.test(text)) return 'This is not a Parley invite: it is a "javascript:" link, which runs code, and Parley never opens it.'
  if (/^data:/i.test(text)) return 'This is not a Parley invite: it is a "data:" link, which holds a file.'
  if (/^https?:/i.test(text)) {
    let url
    try {
      url = new URL(text)
    } catch {
      return looksLike('a web link')
    }
    // a Parley link cut before its payload
    if (url.hash.length > 1 && INVITE_LINK_PATH.startsWith(url.hash)) return CUT_OFF
    return looksLike(`a link to the web site ${quote(url.hostname, QUOTED_ADDRESS_CHARS)}`)
  }
  // Neither a payload (base64url) nor the text form (a PeerID, then "@")
  // has a ":" before any "@" or "/", so this is some other kind of link.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]
  if (scheme != null) return `This is not a Parley invite: it is a link of another kind (${quote(`${scheme}:`, QUOTED_SHORT_CHARS)}).`
  return undefined
}

function describeJson (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'text'
  if (typeof value === 'boolean') return 'true or false'
  return `a ${typeof value}`
}

function checkInvite (id: string, name: string | undefined, addresses: string[]): Invite {
  const peerId = checkPeerId(id)
  if (addresses.length === 0) throw new InvalidInviteError('The invite has no address to reach the contact at.')
  if (addresses.length > MAX_INVITE_ADDRESSES) throw new InvalidInviteError(`The invite has more than ${MAX_INVITE_ADDRESSES} addresses (it has ${addresses.length}).`)
  const normalised = addresses.map(raw => {
    if (raw.length > MAX_ADDRESS_CHARS) throw new InvalidInviteError(`An address in the invite is too long (more than ${MAX_ADDRESS_CHARS} characters).`)
    let ma
    try {
      ma = multiaddr(raw)
    } catch (err) {
      throw new InvalidInviteError(`${quote(raw, QUOTED_ADDRESS_CHARS)} is not a valid address${addressProblem(raw, err)}.`)
    }
    const components = ma.getComponents()
    const last = components.at(-1)
    if (components.length === (last?.name === 'p2p' ? 1 : 0)) {
      throw new InvalidInviteError(`${quote(raw, QUOTED_ADDRESS_CHARS)} is not a usable address: it does not say how to reach the contact.`)
    }
    if (last?.name !== 'p2p') {
      return ma.encapsulate(`/p2p/${peerId.toString()}`).toString()
    }
    if (last.value !== peerId.toString()) {
      throw new InvalidInviteError('An address in the invite belongs to a different PeerID than the invite.')
    }
    return ma.toString()
  })
  return {
    peerId: peerId.toString(),
    name: name == null ? undefined : validateName(name),
    addresses: normalised
  }
}

/** Why a multiaddr did not parse, from the error's name (its message may quote the input at any length). */
function addressProblem (raw: string, err: unknown): string {
  if (!raw.startsWith('/')) return ': an address starts with "/", like /dns4/…'
  const name = err instanceof Error ? err.name : ''
  if (name === 'UnknownProtocolError') return ': it names a protocol Parley does not know'
  if (name === 'ValidationError') return ': one of its parts has an invalid value'
  if (name === 'InvalidMultiaddrError') return ': it is incomplete'
  return ''
}

/** An Ed25519 PeerID, whose public key is embedded in it; anything else is refused with the reason. */
function checkPeerId (id: string): PeerId {
  let peerId
  try {
    peerId = peerIdFromString(id)
  } catch {
    throw new InvalidInviteError(`${quote(id, QUOTED_PEER_ID_CHARS)} is not a valid PeerID: ${peerIdProblem(id)}.`)
  }
  if (peerId.type === 'Ed25519' && peerId.publicKey != null) return peerId
  if (peerId.type === 'url') {
    throw new InvalidInviteError('The PeerID in the invite holds a web address instead of a public key: it is not an Ed25519 identity, which Parley requires.')
  }
  const kind = peerId.type === 'RSA' ? 'an RSA' : 'a secp256k1'
  throw new InvalidInviteError(`The PeerID in the invite is ${kind} identity, not an Ed25519 identity, which Parley requires.`)
}

/**
 * Why `peerIdFromString` refused `id`. An Ed25519 PeerID is base58btc of an
 * identity multihash (0x00, length, key): if the length is right but the key
 * in it does not decode, the PeerID is the PeerID of no key.
 */
function peerIdProblem (id: string): string {
  if (id.length === 0) return 'it is empty'
  if (id.length > MAX_PEER_ID_CHARS) return 'it is far too long for a PeerID'
  if (!id.startsWith('1') && !id.startsWith('Q')) return 'Parley PeerIDs start with "12D3KooW"'
  if (!/^[1-9A-HJ-NP-Za-km-z]+$/.test(id)) return 'it contains characters that never appear in a PeerID'
  const bytes = base58Decode(id)
  if (bytes[0] === 0 && bytes[1] === bytes.length - 2) {
    return 'the public key inside it is damaged, so it does not match any key (wrong PeerID for the key)'
  }
  return 'it was cut off, or some of its characters were changed'
}

/** Untrusted text for an error message: quoted, at most `max` characters, with no control characters. */
function quote (text: string, max: number): string {
  return `"${[...text].slice(0, max).join('').replace(UNSAFE_IN_MESSAGE, '\uFFFD')}"`
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc, for text already checked against the alphabet; only used to explain a refused PeerID. */
function base58Decode (text: string): Uint8Array {
  let n = 0n
  for (const c of text) n = n * 58n + BigInt(BASE58_ALPHABET.indexOf(c))
  const bytes: number[] = []
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn))
  const zeros = /^1*/.exec(text)?.[0].length ?? 0
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes])
}

function base64UrlEncode (bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function base64UrlDecode (text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4))
  return Uint8Array.from(bin, c => c.charCodeAt(0))
}

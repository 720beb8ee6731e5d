import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fromBase64Url, toBase64Url } from '@parley/protocol/base64'
import { errorClass } from '../../contract/errors.ts'
import { INVITE_LINK_PATH, MAX_SHORT_LINK_CHARS, SHORT_LINK_PATH, undoPercentEncoding } from '../../contract/invite-link.ts'
import { SHORT_LINK_CHECK_SEPARATOR, shortLinkCheck, shortLinkCheckMatches, splitShortLinkCheck } from './invite-check.ts'
import type { ErrorCode, ErrorParams } from '../../contract/errors.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * Invites (docs/protocols.md, "Invites"): the short link
 * `<origin>/#/c/<PeerID>[/<name>].<check>` (the name base64url of its UTF-8,
 * the check computed from both, invite-check.ts; no address: the contact is
 * found by its PeerID through the relays and the DHT), and the full invite `<origin>/#/add/<payload>` where payload is
 * base64url (no padding) of the UTF-8 JSON
 * `{"v":1,"id":<PeerID>,"n":<name>,"a":[<multiaddr>,...],"s":true}`. Also accepted on
 * import: the bare payload, a bare PeerID, and the text form
 * `<PeerID>@<multiaddr>` (no name); any of them percent-encoded once or
 * twice (contract/invite-link.ts).
 */

export { INVITE_LINK_PATH, MAX_SHORT_LINK_CHARS, SHORT_LINK_PATH }

export const INVITE_VERSION = 1
/** Whole invite text, as pasted. */
export const MAX_INVITE_CHARS = 4096
export const MAX_NAME_CHARS = 64
export const MAX_INVITE_ADDRESSES = 8
export const MAX_ADDRESS_CHARS = 512
/**
 * A safety code's QR payload (contacts/safety-number.ts) is
 * `parley-verify:<version>:<our PeerID>:<their PeerID>:<60 digits>`: scanned
 * where an invite is expected, it is named for what it is.
 */
export const SAFETY_QR_PREFIX = 'parley-verify'

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

const NOT_BASE64URL = /[^A-Za-z0-9_-]/
/**
 * Text that can only be a PeerID (base58btc starting like one, `12D3KooW…` or
 * `Qm…`): an invite payload is base64url of '{', which starts with "ey".
 */
const BARE_PEER_ID = /^[1Q][1-9A-HJ-NP-Za-km-z]{39,127}$/
/** C0 and C1 controls, and the bidi controls that could make a quoted value reorder the sentence around it. */
const UNSAFE_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

export interface Invite {
  peerId: string
  /** the display name the inviter chose; undefined for the `peerid@multiaddr` form and a bare PeerID */
  name?: string
  /** empty for a short link and a bare PeerID: the contact is looked up by its PeerID */
  addresses: string[]
  /**
   * true when a changed character in the PeerID would have been caught: a
   * short link with its check, or an invite whose every address ends in the
   * PeerID again. Absent for a bare PeerID, a short link from before the
   * check, and the text form without `/p2p/<PeerID>`: such a contact that the
   * network never finds is shown as possibly mistyped (docs/protocols.md).
   */
  checked?: true
  /**
   * true when the invite says its maker's app speaks sessions
   * (docs/protocols.md, "Invites"; docs/security.md, "Sessions are
   * mandatory"): a short link with its check (every app that makes the check
   * has sessions), or a full invite with `"s": true`. The contact added from
   * it is held to session boxes from the start, before any hello of theirs.
   */
  sessions?: true
}

/** The invite text (or a name) cannot be used; the code says why (contract/error-codes/identity.ts, `invite*`), the tab words it. */
export const InvalidInviteError = errorClass('InvalidInviteError')

/** A code of the catalog with its params, before it is thrown. */
type Problem = { [C in ErrorCode]: { code: C, params: ErrorParams<C> } }[ErrorCode]

function refuse (problem: Problem): InstanceType<typeof InvalidInviteError> {
  return new (InvalidInviteError as new (code: ErrorCode, params: object) => InstanceType<typeof InvalidInviteError>)(problem.code, problem.params)
}

export function validateName (raw: string): string {
  const name = raw.trim()
  if (name.length === 0) throw new InvalidInviteError('inviteNameEmpty')
  if ([...name].length > MAX_NAME_CHARS) throw new InvalidInviteError('inviteNameTooLong', { max: MAX_NAME_CHARS })
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new InvalidInviteError('inviteNameControl')
  return name
}

/**
 * The full invite `<origin>/#/add/<payload>`; `"s": true` when
 * `invite.sessions` (our own invite always says it: identity.ts; one made of
 * what a relay said of someone, as Nearby's, never does).
 */
export function encodeInvite (invite: Invite, origin: string): string {
  const json = JSON.stringify({ v: INVITE_VERSION, id: invite.peerId, n: invite.name, a: invite.addresses.slice(0, MAX_INVITE_ADDRESSES), s: invite.sessions })
  return `${origin}/${INVITE_LINK_PATH}${toBase64Url(new TextEncoder().encode(json))}`
}

/**
 * The short link `<origin>/#/c/<PeerID>/<name>.<check>`: the name (when
 * given) as many whole characters of it as keep the link within
 * MAX_SHORT_LINK_CHARS, the check over both (invite-check.ts). The contact's
 * node tells its whole name when it answers.
 */
export function encodeShortInvite (peerId: string, name: string | undefined, origin: string): string {
  const withCheck = (checked: string): string => `${origin}/${SHORT_LINK_PATH}${checked}${SHORT_LINK_CHECK_SEPARATOR}${shortLinkCheck(checked)}`
  const chars = [...(name ?? '').trim()]
  for (let keep = chars.length; keep > 0; keep--) {
    const kept = chars.slice(0, keep).join('').trim()
    const link = withCheck(`${peerId}/${toBase64Url(new TextEncoder().encode(kept))}`)
    if (link.length <= MAX_SHORT_LINK_CHARS) return link
  }
  return withCheck(peerId)
}

/** Parses and fully validates an invite in any accepted form. */
export function parseInvite (text: string): Invite {
  const given = text.trim()
  if (given.length > MAX_INVITE_CHARS) throw new InvalidInviteError('inviteTooLong', { max: MAX_INVITE_CHARS })
  const trimmed = undoPercentEncoding(given).trim()
  if (trimmed.length === 0) throw new InvalidInviteError('inviteEmpty')

  const shortAt = trimmed.indexOf(SHORT_LINK_PATH)
  if (shortAt >= 0) return parseShortLink(trimmed.slice(shortAt + SHORT_LINK_PATH.length))
  // a PeerID alone (base58btc, never the base64url of '{', which payloads start with)
  if (BARE_PEER_ID.test(trimmed)) return { peerId: checkPeerId(trimmed).toString(), addresses: [] }

  const hashAt = trimmed.indexOf(INVITE_LINK_PATH)
  if (hashAt < 0) {
    // People scan whatever QR code is in front of them: naming what it was
    // says more than "not an invite". Checked before the text form, because
    // e-mail addresses, vCards and Wi-Fi passwords may contain "@".
    const foreign = describeForeignText(trimmed)
    if (foreign != null) throw refuse(foreign)
    if (!trimmed.includes('#')) {
      const at = trimmed.indexOf('@')
      if (at === 0) throw new InvalidInviteError('inviteNoPeerIdBeforeAt')
      if (at > 0) {
        const address = trimmed.slice(at + 1)
        if (address.length === 0) throw new InvalidInviteError('inviteNoAddressAfterAt')
        return checkInvite(trimmed.slice(0, at), undefined, [address])
      }
    }
  }

  const isLink = hashAt >= 0
  const data = decodePayload(isLink ? trimmed.slice(hashAt + INVITE_LINK_PATH.length) : trimmed, isLink)
  if (typeof data !== 'object' || data == null || Array.isArray(data)) {
    const what = describeJson(data)
    throw refuse({ code: 'inviteNoData', params: { what: what.code, type: 'type' in what.params ? what.params.type : '' } })
  }
  const fields = data as Record<string, unknown>
  const { v, id, n, a, s } = fields
  if (v === undefined) throw new InvalidInviteError('inviteVersionMissing')
  if (typeof v !== 'number') throw new InvalidInviteError('inviteVersionNotNumber')
  if (v !== INVITE_VERSION) {
    const newer = Number.isInteger(v) && v > INVITE_VERSION
    throw new InvalidInviteError(newer ? 'inviteVersionNewer' : 'inviteVersionUnknown', { version: String(v) })
  }
  if (id === undefined) throw new InvalidInviteError('invitePeerIdMissing')
  if (typeof id !== 'string') throw new InvalidInviteError('invitePeerIdNotText')
  if (n != null && typeof n !== 'string') throw new InvalidInviteError('inviteNameNotText')
  if (a === undefined) throw new InvalidInviteError('inviteAddressesMissing')
  if (!Array.isArray(a)) throw new InvalidInviteError('inviteAddressesNotList')
  if (!a.every((x): x is string => typeof x === 'string')) {
    const notText = a.findIndex(x => typeof x !== 'string')
    throw new InvalidInviteError('inviteAddressNotText', { index: notText + 1 })
  }
  const extra = Object.keys(fields).filter(k => !['v', 'id', 'n', 'a', 's'].includes(k))
  if (extra[0] != null) throw new InvalidInviteError('inviteUnknownField', { field: clip(extra[0], QUOTED_SHORT_CHARS) })
  if (s !== undefined && s !== true) throw new InvalidInviteError('inviteSessionsNotTrue')
  const invite = checkInvite(id, n ?? undefined, a)
  if (s === true) invite.sessions = true
  return invite
}

/**
 * What follows `#/c/` in a short link: `<PeerID>[/<name>][.<check>]`, where a
 * query an app appended (`?utm_source=…`) is dropped (no part can hold a
 * '?'). A check that does not match is refused before anything else is read:
 * whatever else looks wrong, the link was changed on its way. A link without
 * a check (made before it existed) is read as before, unchecked.
 */
function parseShortLink (rest: string): Invite {
  const path = rest.split('?', 1)[0] ?? ''
  if (/\s/.test(path)) throw new InvalidInviteError('inviteLinkSplit')
  const { checked, check } = splitShortLinkCheck(path)
  if (check !== undefined && !shortLinkCheckMatches(checked, check)) throw new InvalidInviteError('inviteCheckMismatch')
  const parts = checked.split('/')
  if (parts.length > 2) throw new InvalidInviteError('inviteShortExtra')
  const [id = '', encodedName = ''] = parts
  const invite: Invite = { peerId: checkPeerId(id).toString(), addresses: [] }
  if (encodedName !== '') invite.name = validateName(decodeShortName(encodedName))
  // the check came after sessions (2026-11-29, 2026-11-25): a checked link's maker speaks sessions
  if (check !== undefined) {
    invite.checked = true
    invite.sessions = true
  }
  return invite
}

/** A short link's name: base64url (no padding) of UTF-8. */
function decodeShortName (encoded: string): string {
  if (NOT_BASE64URL.test(encoded) || encoded.length % 4 === 1) throw new InvalidInviteError('inviteShortName')
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(encoded))
  } catch {
    throw new InvalidInviteError('inviteShortName')
  }
}

/**
 * Decodes base64url → UTF-8 → JSON, saying which step failed. A copy that
 * lost its end still starts like an invite (with `{`, or is empty), which
 * tells a cut-off invite apart from text that never was one.
 */
function decodePayload (payload: string, isLink: boolean): unknown {
  type NotInvite = 'BadChars' | 'Split' | 'NotEncoded' | 'Binary' | 'NotData'
  const notInvite = (why: NotInvite): Error => new InvalidInviteError(`invite${isLink ? 'Link' : 'Text'}${why}` as const)
  if (NOT_BASE64URL.test(payload.replace(/\s/g, ''))) throw notInvite('BadChars')
  if (NOT_BASE64URL.test(payload)) throw notInvite('Split')
  // base64url of whole bytes never leaves 1 character over; a cut can
  const usable = payload.length % 4 === 1 ? payload.slice(0, -1) : payload
  const bytes = fromBase64Url(usable)
  const startsLikeInvite = bytes.length === 0 || bytes[0] === 0x7b // '{'
  const cutOff = (): Error => new InvalidInviteError('inviteCutOff')
  if (usable !== payload) throw startsLikeInvite ? cutOff() : notInvite('NotEncoded')
  let text
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw startsLikeInvite ? cutOff() : notInvite('Binary')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw startsLikeInvite ? cutOff() : notInvite('NotData')
  }
}

/** What a QR code or pasted text that is not an invite looks like (a code); undefined if it could be an invite. */
function describeForeignText (text: string): Problem | undefined {
  const is = (code: ForeignCode): Problem => ({ code, params: {} })
  if (text.startsWith(`${SAFETY_QR_PREFIX}:`)) return is('inviteIsSafetyCode')
  if (/^WIFI:/i.test(text)) return is('inviteIsWifi')
  if (/^mailto:/i.test(text) || /^[^\s@/:]+@[^\s@/:]+\.[a-z]{2,}$/i.test(text)) return is('inviteIsEmail')
  if (/^(BEGIN:VCARD|MECARD:)/i.test(text)) return is('inviteIsVcard')
  if (/^BEGIN:(VCALENDAR|VEVENT)/i.test(text)) return is('inviteIsCalendar')
  if (/^tel:/i.test(text)) return is('inviteIsPhone')
  if (/^(sms|smsto|mms|mmsto):/i.test(text)) return is('inviteIsSms')
  if (/^geo:/i.test(text)) return is('inviteIsGeo')
  if (/<[a-z!/?]/i.test(text)) return is('inviteIsHtml')
  if (/^javascript:/i.test(text)) return is('inviteIsJavascript')
  if (/^data:/i.test(text)) return is('inviteIsDataUrl')
  if (/^https?:/i.test(text)) {
    let url
    try {
      url = new URL(text)
    } catch {
      return is('inviteIsWebLink')
    }
    // a Parley link cut before its payload
    if (url.hash.length > 1 && INVITE_LINK_PATH.startsWith(url.hash)) return is('inviteCutOff')
    return { code: 'inviteIsWebSite', params: { host: clip(url.hostname, QUOTED_ADDRESS_CHARS) } }
  }
  // Neither a payload (base64url) nor the text form (a PeerID, then "@")
  // has a ":" before any "@" or "/", so this is some other kind of link.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]
  if (scheme != null) return { code: 'inviteIsOtherLink', params: { scheme: clip(`${scheme}:`, QUOTED_SHORT_CHARS) } }
  return undefined
}

type ForeignCode = 'inviteIsSafetyCode' | 'inviteIsWifi' | 'inviteIsEmail' | 'inviteIsVcard' | 'inviteIsCalendar' | 'inviteIsPhone' |
  'inviteIsSms' | 'inviteIsGeo' | 'inviteIsHtml' | 'inviteIsJavascript' | 'inviteIsDataUrl' | 'inviteIsWebLink' | 'inviteCutOff'

/** What a JSON value that is not an invite object is (a code, worded inside inviteNoData). */
function describeJson (value: unknown): Problem {
  if (value === null) return { code: 'inviteJsonNull', params: {} }
  if (Array.isArray(value)) return { code: 'inviteJsonList', params: {} }
  if (typeof value === 'string') return { code: 'inviteJsonText', params: {} }
  if (typeof value === 'boolean') return { code: 'inviteJsonBoolean', params: {} }
  if (typeof value === 'number') return { code: 'inviteJsonNumber', params: {} }
  return { code: 'inviteJsonOther', params: { type: typeof value } }
}

function checkInvite (id: string, name: string | undefined, addresses: string[]): Invite {
  const peerId = checkPeerId(id)
  if (addresses.length === 0) throw new InvalidInviteError('inviteNoAddress')
  if (addresses.length > MAX_INVITE_ADDRESSES) {
    throw new InvalidInviteError('inviteTooManyAddresses', { max: MAX_INVITE_ADDRESSES, count: addresses.length })
  }
  const normalised = addresses.map(raw => {
    if (raw.length > MAX_ADDRESS_CHARS) throw new InvalidInviteError('inviteAddressTooLong', { max: MAX_ADDRESS_CHARS })
    const address = clip(raw, QUOTED_ADDRESS_CHARS)
    let ma
    try {
      ma = multiaddr(raw)
    } catch (err) {
      throw new InvalidInviteError(addressProblem(raw, err), { address })
    }
    const components = ma.getComponents()
    const last = components.at(-1)
    if (components.length === (last?.name === 'p2p' ? 1 : 0)) {
      throw new InvalidInviteError('inviteAddressUnusable', { address })
    }
    if (last?.name !== 'p2p') {
      return { address: ma.encapsulate(`/p2p/${peerId.toString()}`).toString(), restated: false }
    }
    if (last.value !== peerId.toString()) {
      throw new InvalidInviteError('inviteAddressOtherPeer')
    }
    return { address: ma.toString(), restated: true }
  })
  const invite: Invite = {
    peerId: peerId.toString(),
    name: name == null ? undefined : validateName(name),
    addresses: normalised.map(n => n.address)
  }
  // the PeerID stated again at the end of every address: one changed character is caught
  if (normalised.every(n => n.restated)) invite.checked = true
  return invite
}

/** Why a multiaddr did not parse, from the error's name (its message may quote the input at any length). */
function addressProblem (raw: string, err: unknown): 'inviteAddressNoSlash' | 'inviteAddressUnknownProtocol' | 'inviteAddressBadValue' | 'inviteAddressIncomplete' | 'inviteAddressInvalid' {
  if (!raw.startsWith('/')) return 'inviteAddressNoSlash'
  const name = err instanceof Error ? err.name : ''
  if (name === 'UnknownProtocolError') return 'inviteAddressUnknownProtocol'
  if (name === 'ValidationError') return 'inviteAddressBadValue'
  if (name === 'InvalidMultiaddrError') return 'inviteAddressIncomplete'
  return 'inviteAddressInvalid'
}

/** An Ed25519 PeerID, whose public key is embedded in it; anything else is refused with the reason. */
function checkPeerId (id: string): PeerId {
  let peerId
  try {
    peerId = peerIdFromString(id)
  } catch {
    throw new InvalidInviteError(peerIdProblem(id), { id: clip(id, QUOTED_PEER_ID_CHARS) })
  }
  if (peerId.type === 'Ed25519' && peerId.publicKey != null) return peerId
  if (peerId.type === 'url') throw new InvalidInviteError('invitePeerIdUrl')
  throw new InvalidInviteError(peerId.type === 'RSA' ? 'invitePeerIdRsa' : 'invitePeerIdSecp256k1')
}

/**
 * Why `peerIdFromString` refused `id`. An Ed25519 PeerID is base58btc of an
 * identity multihash (0x00, length, key): if the length is right but the key
 * in it does not decode, the PeerID is the PeerID of no key.
 */
function peerIdProblem (id: string): 'invitePeerIdEmpty' | 'invitePeerIdTooLong' | 'invitePeerIdPrefix' | 'invitePeerIdBadChars' | 'invitePeerIdBadKey' | 'invitePeerIdCut' {
  if (id.length === 0) return 'invitePeerIdEmpty'
  if (id.length > MAX_PEER_ID_CHARS) return 'invitePeerIdTooLong'
  if (!id.startsWith('1') && !id.startsWith('Q')) return 'invitePeerIdPrefix'
  if (!/^[1-9A-HJ-NP-Za-km-z]+$/.test(id)) return 'invitePeerIdBadChars'
  const bytes = base58Decode(id)
  if (bytes[0] === 0 && bytes[1] === bytes.length - 2) return 'invitePeerIdBadKey'
  return 'invitePeerIdCut'
}

/**
 * Untrusted text for an error's params (the words' own quotes go around
 * it): at most `max` characters, with no control characters.
 */
function clip (text: string, max: number): string {
  return [...text].slice(0, max).join('').replace(UNSAFE_IN_MESSAGE, '\uFFFD')
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

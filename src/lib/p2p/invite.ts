import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'

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

  const at = trimmed.indexOf('@')
  if (at > 0 && !trimmed.includes('#')) {
    return checkInvite(trimmed.slice(0, at), undefined, [trimmed.slice(at + 1)])
  }

  const hashAt = trimmed.indexOf(INVITE_LINK_PATH)
  const payload = hashAt >= 0 ? trimmed.slice(hashAt + INVITE_LINK_PATH.length) : trimmed
  let data: unknown
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(payload)))
  } catch {
    throw new InvalidInviteError('This is not a Parley invite, or it was cut off while copying. Copy the whole invite again.')
  }
  if (typeof data !== 'object' || data == null || Array.isArray(data)) {
    throw new InvalidInviteError('The invite is damaged: it holds no invite data.')
  }
  const { v, id, n, a } = data as Record<string, unknown>
  if (v !== INVITE_VERSION) throw new InvalidInviteError(`This invite has version ${String(v)}, which this version of Parley does not understand.`)
  if (typeof id !== 'string') throw new InvalidInviteError('The invite is damaged: the PeerID is missing.')
  if (n != null && typeof n !== 'string') throw new InvalidInviteError('The invite is damaged: the name is not text.')
  if (!Array.isArray(a) || !a.every((x): x is string => typeof x === 'string')) {
    throw new InvalidInviteError('The invite is damaged: the address list is not a list of text addresses.')
  }
  const extra = Object.keys(data).filter(k => !['v', 'id', 'n', 'a'].includes(k))
  if (extra.length > 0) throw new InvalidInviteError(`The invite is damaged: unknown field "${extra[0]}".`)
  return checkInvite(id, n ?? undefined, a)
}

function checkInvite (id: string, name: string | undefined, addresses: string[]): Invite {
  let peerId
  try {
    peerId = peerIdFromString(id)
  } catch {
    throw new InvalidInviteError(`"${id.slice(0, 60)}" is not a valid PeerID.`)
  }
  if (peerId.type !== 'Ed25519' || peerId.publicKey == null) {
    throw new InvalidInviteError('The PeerID in the invite is not an Ed25519 identity, which Parley requires.')
  }
  if (addresses.length === 0) throw new InvalidInviteError('The invite has no address to reach the contact at.')
  if (addresses.length > MAX_INVITE_ADDRESSES) throw new InvalidInviteError(`The invite has more than ${MAX_INVITE_ADDRESSES} addresses.`)
  const normalised = addresses.map(raw => {
    if (raw.length > MAX_ADDRESS_CHARS) throw new InvalidInviteError('An address in the invite is too long.')
    let ma
    try {
      ma = multiaddr(raw)
    } catch {
      throw new InvalidInviteError(`"${raw.slice(0, 80)}" is not a valid address.`)
    }
    const components = ma.getComponents()
    const last = components.at(-1)
    if (components.length === (last?.name === 'p2p' ? 1 : 0)) {
      throw new InvalidInviteError(`"${raw.slice(0, 80)}" is not a usable address: it does not say how to reach the contact.`)
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

function base64UrlEncode (bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function base64UrlDecode (text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url')
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4))
  return Uint8Array.from(bin, c => c.charCodeAt(0))
}

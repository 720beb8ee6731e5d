/**
 * A push hint's sizes and its plaintext (docs/protocols.md, "Web Push",
 * "Hints"), without any cryptography: what the sealer (hint.ts, noble) and
 * the service worker's opener (hint-web.ts, WebCrypto) share, so that the
 * service worker carries no curve or cipher code of its own.
 *
 *     plain = kind (u8: 1 contact, 2 group) · length (u8, 1..62) · chat (UTF-8) · zeros to HINT_PLAIN_BYTES
 */

export const HINT_INFO = new TextEncoder().encode('parley/push/hint/v1')
/** Bytes of an X25519 key. */
export const NOTIFY_KEY_BYTES = 32
/** Bytes of a hint's plaintext, padded: every hint is one size whatever chat it names. */
export const HINT_PLAIN_BYTES = 64
/** Longest chat id in a hint, in UTF-8 bytes. */
export const MAX_HINT_CHAT_BYTES = HINT_PLAIN_BYTES - 2
/** Bytes of the AEAD's tag. */
export const HINT_TAG_BYTES = 16
/** Bytes of the AEAD's nonce (derived with the key). */
export const HINT_NONCE_BYTES = 12
/** Bytes of every sealed hint: the ephemeral public key, the plaintext and the tag. */
export const HINT_BYTES = NOTIFY_KEY_BYTES + HINT_PLAIN_BYTES + HINT_TAG_BYTES

export const HintKind = { contact: 1, group: 2 } as const
export type HintKindName = keyof typeof HintKind

/** What a hint says: the chat an item is from. */
export interface HintChat {
  kind: HintKindName
  /** the contact's account PeerID (base58btc), or the group id (32 lowercase hex digits) */
  chat: string
}

/** A chat a hint cannot carry. */
export class HintError extends Error {
  override name = 'HintError'
}

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{1,62}$/
const GROUP_ID = /^[0-9a-f]{32}$/

/** Whether a hint may name `chat` as a `kind`. */
function fits (hint: HintChat): boolean {
  return hint.kind === 'contact' ? PEER_ID.test(hint.chat) : hint.kind === 'group' && GROUP_ID.test(hint.chat)
}

/**
 * The padded plaintext of a hint naming `hint`.
 *
 * @throws HintError for a chat id a hint cannot carry
 */
export function hintPlain (hint: HintChat): Uint8Array {
  if (!fits(hint)) throw new HintError(`a hint names a ${String(hint.kind)} by its id, not ${JSON.stringify(hint.chat)}`)
  const chat = new TextEncoder().encode(hint.chat)
  const plain = new Uint8Array(HINT_PLAIN_BYTES)
  plain[0] = HintKind[hint.kind]
  plain[1] = chat.byteLength
  plain.set(chat, 2)
  return plain
}

/** The chat a decrypted plaintext names, or undefined unless it is in its one form. */
export function readHintPlain (plain: Uint8Array): HintChat | undefined {
  if (plain.byteLength !== HINT_PLAIN_BYTES) return undefined
  const kind = plain[0] === HintKind.contact ? 'contact' : plain[0] === HintKind.group ? 'group' : undefined
  const length = plain[1] ?? 0
  if (kind === undefined || length < 1 || length > MAX_HINT_CHAT_BYTES) return undefined
  if (plain.subarray(2 + length).some(b => b !== 0)) return undefined
  let chat: string
  try {
    chat = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plain.subarray(2, 2 + length))
  } catch {
    return undefined
  }
  return fits({ kind, chat }) ? { kind, chat } : undefined
}

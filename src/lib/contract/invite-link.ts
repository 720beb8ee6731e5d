/**
 * The invite link's shape, known to both sides: the worker parses invites
 * (lib/p2p/identity/invite.ts), the tab's router opens them (`#/add/<invite>`).
 *
 * Mail and chat apps sometimes percent-encode a link they pass on, once or
 * twice: `https://host/#/add/eyJ…` arrives as `https%3A%2F%2Fhost%2F%23%2Fadd%2FeyJ…`
 * (pasted), or opens as `https://host/%23%2Fadd%2FeyJ…` (the '#' now part of the
 * path) or `https://host/#%2Fadd%2FeyJ…`. Nothing in a real invite needs a
 * percent sign (base64url, PeerIDs and the multiaddrs invites carry have none;
 * a short link carries its name in base64url for this reason),
 * so such text is decoded before it is read.
 */

/** The fragment that starts an invite link's payload: `<origin>/#/add/<payload>`. */
export const INVITE_LINK_PATH = '#/add/'

/**
 * The fragment that starts a short invite link: `<origin>/#/c/<PeerID>[/<name>]`,
 * the name base64url of its UTF-8 (docs/protocols.md, "Short links").
 */
export const SHORT_LINK_PATH = '#/c/'

/** A short link is at most this long (the name is clipped to fit). */
export const MAX_SHORT_LINK_CHARS = 120

/** Percent-encodings undone at most: once by an app, once more by the next one. */
export const MAX_PERCENT_DECODINGS = 2

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/
/** A '#' encoded once (%23) or twice (%2523) in a path. */
const ENCODED_HASH = /%(?:25)?23/i

/**
 * `text` with up to MAX_PERCENT_DECODINGS percent-encodings undone; text
 * without a %-escape, or with a malformed one, comes back as it was (so its
 * own error can be told).
 */
export function undoPercentEncoding (text: string): string {
  let current = text
  for (let round = 0; round < MAX_PERCENT_DECODINGS && PERCENT_ESCAPE.test(current); round++) {
    try {
      current = decodeURIComponent(current)
    } catch {
      return current
    }
  }
  return current
}

/**
 * Where a link whose '#' was percent-encoded into the path should have gone:
 * for the path `/%23%2Fadd%2FeyJ…` (or `/app/%2523%252Fadd…`) the path `/`
 * (`/app/`) and the fragment `#/add/eyJ…`; undefined when the path holds no
 * encoded '#' followed by a route.
 */
export function encodedHashLocation (pathname: string): { path: string, hash: string } | undefined {
  const at = pathname.search(ENCODED_HASH)
  if (at < 0) return undefined
  const hash = undoPercentEncoding(pathname.slice(at))
  return hash.startsWith('#/') ? { path: pathname.slice(0, at), hash } : undefined
}

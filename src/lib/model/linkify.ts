/**
 * Splits a message body into text and link segments, so links can be made
 * clickable without ever treating the body as HTML: the caller renders each
 * segment as a text node or as an <a> whose href is the segment's URL.
 *
 * Only `http:`, `https:` and `mailto:` become links; anything else
 * (`javascript:`, `data:`, `file:`, `vbscript:` …) stays text. A link's href
 * is the URL as typed (no decoding, no rewriting), re-checked through the URL
 * parser so the scheme the browser sees is the scheme we checked. Trailing
 * sentence punctuation and an unbalanced closing bracket are left out of the
 * link, as people write "see https://example.org/a."
 *
 * Bounded: at most {@link MAX_LINKS} links per body (the rest stays text) and
 * URLs longer than {@link MAX_URL_LENGTH} characters stay text.
 */

export type Segment =
  | { kind: 'text', text: string }
  | { kind: 'link', text: string, href: string }

/** Links made clickable per message; later ones stay plain text. */
export const MAX_LINKS = 200
/** Longer URLs stay plain text (browsers and servers commonly refuse beyond 2 KiB). */
export const MAX_URL_LENGTH = 2048

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:'])

/**
 * Candidate URLs: a scheme we allow followed by non-space characters. The
 * scheme must start a word (so "xhttp://" is not a link). Characters that
 * cannot be in a URL as typed (<, >, quotes, backtick) end it.
 * Control, zero-width and bidi-override characters end it too.
 */
const CANDIDATE = /(?<![\p{L}\p{N}_])(?:https?:\/\/|mailto:)[^\s<>"'`\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/giu

/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', '…', "'", '"', '»', '”', '’'])
const OPENERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' }

/**
 * Drops trailing punctuation, and closing brackets that have no opening one
 * inside the URL. Linear in the URL's length.
 */
function trimEnd (url: string): string {
  const balance = new Map<string, number>()
  for (const ch of url) {
    if (ch === '(' || ch === '[' || ch === '{') balance.set(ch, (balance.get(ch) ?? 0) + 1)
    const open = OPENERS[ch]
    if (open !== undefined) balance.set(open, (balance.get(open) ?? 0) - 1)
  }
  let end = url.length
  while (end > 0) {
    const ch = url[end - 1] ?? ''
    const open = OPENERS[ch]
    if (TRAILING.has(ch)) {
      end--
    } else if (open !== undefined && (balance.get(open) ?? 0) < 0) {
      balance.set(open, (balance.get(open) ?? 0) + 1)
      end--
    } else {
      break
    }
  }
  return url.slice(0, end)
}

/** The href for `text` if it is a safe, well-formed link with something after the scheme. */
function safeHref (text: string): string | undefined {
  if (text.length > MAX_URL_LENGTH) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return undefined
  if (url.protocol === 'mailto:') return url.pathname.includes('@') ? text : undefined
  return url.hostname === '' ? undefined : text
}

export function linkify (body: string): Segment[] {
  const segments: Segment[] = []
  let textStart = 0
  let links = 0
  const pushText = (end: number): void => {
    if (end > textStart) segments.push({ kind: 'text', text: body.slice(textStart, end) })
  }
  for (const match of body.matchAll(CANDIDATE)) {
    if (links >= MAX_LINKS) break
    const start = match.index
    const candidate = trimEnd(match[0])
    const href = safeHref(candidate)
    if (href === undefined) continue
    pushText(start)
    segments.push({ kind: 'link', text: candidate, href })
    textStart = start + candidate.length
    links++
  }
  pushText(body.length)
  return segments
}

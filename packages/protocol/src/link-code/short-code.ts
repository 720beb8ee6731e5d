/**
 * The link's short code (docs/protocols.md, "The short code"): what a new
 * device shows under its QR code for a device with no camera to type.
 * Twelve characters of Crockford's base32 in three groups of four
 * (`7K3M-Q9TX-A2HF`): eleven random data characters (55 bits) and a check
 * character. Read case-insensitively, hyphens and spaces ignored, `I`/`L`
 * read as `1` and `O` as `0`. The check detects every single wrong character
 * and every swap of two neighbours. Pure: no crypto but the random source, so
 * the tab reads it too.
 */

/** Crockford's base32 alphabet: digits, then letters without I, L, O, U. */
export const SHORT_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** Random data characters in a code (5 bits each: 55 bits). */
export const SHORT_CODE_DATA_CHARS = 11

/** Characters in a code, the check character included (hyphens not counted). */
export const SHORT_CODE_CHARS = SHORT_CODE_DATA_CHARS + 1

/** Characters per group as shown. */
export const SHORT_CODE_GROUP = 4

/** Longest text the reader looks at (a code with room for spaces around and in it); longer text is not a code. */
export const MAX_SHORT_CODE_INPUT_CHARS = 64

/** Why text is not a short code. */
export type ShortCodeProblem =
  /** not 12 characters of the alphabet (hyphens and spaces aside) */
  | 'form'
  /** 12 characters, but the check character does not match: a typo */
  | 'check'

export class ShortCodeError extends Error {
  override name = 'ShortCodeError'
  constructor (readonly problem: ShortCodeProblem, message: string) {
    super(message)
  }
}

/** Characters read as others (Crockford): I and L as 1, O as 0. */
const READ_AS: Readonly<Record<string, string>> = { I: '1', L: '1', O: '0' }

/** x^5 + x^2 + 1: GF(32)'s reduction polynomial (primitive, so α = x generates every non-zero element). */
const GF32_POLY = 0b100101

function gfMul (a: number, b: number): number {
  let out = 0
  let x = a
  let y = b
  while (y > 0) {
    if ((y & 1) !== 0) out ^= x
    y >>= 1
    x <<= 1
    if ((x & 0b100000) !== 0) x ^= GF32_POLY
  }
  return out
}

/** α^i in GF(32), α = 2. */
function gfPow (i: number): number {
  let out = 1
  for (let k = 0; k < ((i % 31) + 31) % 31; k++) out = gfMul(out, 2)
  return out
}

/**
 * The check character's value for eleven data values: the c with
 * Σ α^i·d_i (i = 0..10) + α^11·c = 0 in GF(32), that is
 * c = α^20 · Σ α^i·d_i (α^-11 = α^20). Every position has its own non-zero
 * weight, so one wrong character or two neighbours swapped never keep the
 * sum at 0.
 */
export function shortCodeCheck (data: readonly number[]): number {
  let sum = 0
  for (const [i, d] of data.entries()) sum ^= gfMul(gfPow(i), d)
  return gfMul(gfPow(20), sum)
}

/** The canonical form of a code's characters: three groups of four with hyphens (`7K3M-Q9TX-A2HF`). */
export function formatShortCode (chars: string): string {
  const groups: string[] = []
  for (let i = 0; i < chars.length; i += SHORT_CODE_GROUP) groups.push(chars.slice(i, i + SHORT_CODE_GROUP))
  return groups.join('-')
}

/** A new code: eleven random data characters and their check, in its canonical form. */
export function newShortCode (random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  // 256 is a multiple of 32: the low five bits of a random byte are uniform
  const data = [...random(SHORT_CODE_DATA_CHARS)].map(b => b & 31)
  return formatShortCode([...data, shortCodeCheck(data)].map(v => SHORT_CODE_ALPHABET[v] ?? '').join(''))
}

/**
 * The twelve characters of typed or pasted text (upper case, read-as
 * characters replaced, hyphens and white space dropped), or undefined when
 * they cannot be a code's (another character, another count). The check is
 * not looked at.
 */
export function shortCodeChars (text: string): string | undefined {
  if (text.length > MAX_SHORT_CODE_INPUT_CHARS) return undefined
  let chars = ''
  for (const raw of text.toUpperCase()) {
    if (raw === '-' || /\s/.test(raw)) continue
    const ch = READ_AS[raw] ?? raw
    if (!SHORT_CODE_ALPHABET.includes(ch)) return undefined
    chars += ch
  }
  return chars.length === SHORT_CODE_CHARS ? chars : undefined
}

/**
 * Reads a typed code: its canonical form (`7K3M-Q9TX-A2HF`).
 *
 * @throws ShortCodeError 'form' (not a code's characters) or 'check' (a typo)
 */
export function parseShortCode (text: string): string {
  const chars = shortCodeChars(text)
  if (chars === undefined) throw new ShortCodeError('form', `a short code is ${SHORT_CODE_CHARS} characters of ${SHORT_CODE_ALPHABET}`)
  const values = [...chars].map(c => SHORT_CODE_ALPHABET.indexOf(c))
  if (shortCodeCheck(values.slice(0, SHORT_CODE_DATA_CHARS)) !== values[SHORT_CODE_DATA_CHARS]) {
    throw new ShortCodeError('check', 'the check character does not match: a character was mistyped')
  }
  return formatShortCode(chars)
}

/** The data characters of a canonical code (what the keys are derived from), e.g. `7K3MQ9TXA2H`. */
export function shortCodeData (code: string): string {
  return parseShortCode(code).replaceAll('-', '').slice(0, SHORT_CODE_DATA_CHARS)
}

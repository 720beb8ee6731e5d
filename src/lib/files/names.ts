/**
 * Cleaning of file names and media types that come from a file picker or from
 * a peer's offer (docs/protocols.md, "Files"). A sanitised name is safe to
 * show and to save under on any common file system: no path separators, no
 * control or bidi characters, no Windows device names, at most 255 UTF-8
 * bytes. Nothing is collapsed to a last path component: separators become
 * '_', so the user still sees what the sender named the file.
 */

/** Longest file name most file systems store, in UTF-8 bytes. */
export const MAX_FILE_NAME_BYTES = 255
/** An extension (after the last dot) up to this many characters is kept when a long name is shortened. */
export const MAX_KEPT_EXTENSION_CHARS = 16
/** The name used when nothing is left of the given one. */
export const FALLBACK_FILE_NAME = 'file'
/** The media type of anything whose declared type is missing or malformed. */
export const UNKNOWN_MIME = 'application/octet-stream'

/**
 * Removed: C0 controls, DEL, C1 controls, and the bidi controls that can make
 * a name read differently from what it is (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069; an "exe.txt" that is really "txt.exe").
 */
const REMOVED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/** A surrogate without its partner; it has no UTF-8 form. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** Path separators and the other characters Windows forbids in names. */
const FORBIDDEN = /[/\\<>:"|?*]/g
const LEADING = /^[. ]+/
const TRAILING = /[. ]+$/
/** Windows device names, alone or with an extension (also COM¹–³ / LPT¹–³, which Windows treats alike). */
const RESERVED = /^(?:con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])(?:\s*\.|\s*$)/i
/** RFC 6838 restricted names, lowercase. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/

const encoder = new TextEncoder()

/**
 * A file name safe to show and to save under (see the module comment). Steps,
 * in order: remove control and bidi characters, replace / \ < > : " | ? * with
 * '_', NFC-normalise, strip leading and trailing dots and spaces, prefix a
 * Windows device name with '_', shorten to 255 UTF-8 bytes (keeping an
 * extension of up to 16 characters, cutting only between code points), and
 * fall back to 'file' when nothing is left.
 */
export function sanitizeFileName (name: string): string {
  let out = name
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(REMOVED, '')
    .replace(FORBIDDEN, '_')
    .normalize('NFC')
    .replace(LEADING, '')
    .replace(TRAILING, '')
  if (RESERVED.test(out)) out = `_${out}`
  out = boundBytes(out).replace(TRAILING, '')
  return out === '' ? FALLBACK_FILE_NAME : out
}

/** Longest given name kept beside the safe one (`givenNameIfChanged`), in characters; the rest is cut. */
export const MAX_GIVEN_NAME_CHARS = 1024

/**
 * The name the user's file had, when `safe` (its sanitizeFileName) is not
 * the same name: the sender's card then says what it was sent as. undefined
 * when only the Unicode form changed (NFC writes the same letters: a Mac's
 * "é" as two code points is the same name) or nothing did. Cut to
 * MAX_GIVEN_NAME_CHARS.
 */
export function givenNameIfChanged (given: string, safe: string): string | undefined {
  if (given.normalize('NFC') === safe) return undefined
  const points = [...given]
  return points.length > MAX_GIVEN_NAME_CHARS ? points.slice(0, MAX_GIVEN_NAME_CHARS).join('') : given
}

/**
 * A declared media type as lowercase `type/subtype` with its parameters
 * dropped ("Text/HTML; charset=utf-8" → "text/html"), or
 * 'application/octet-stream' when it is not a well-formed type.
 */
export function sanitizeMime (mime: string): string {
  const essence = (mime.split(';', 1)[0] ?? '').trim().toLowerCase()
  return MIME.test(essence) ? essence : UNKNOWN_MIME
}

/** UTF-8 length of a string without lone surrogates. */
function utf8Bytes (text: string): number {
  return encoder.encode(text).byteLength
}

/** Shortens a name to MAX_FILE_NAME_BYTES, keeping a short extension when the stem can give way. */
function boundBytes (name: string): string {
  if (utf8Bytes(name) <= MAX_FILE_NAME_BYTES) return name
  const dot = name.lastIndexOf('.')
  const extension = dot > 0 ? name.slice(dot) : ''
  const keepExtension = extension !== '' && [...extension].length - 1 <= MAX_KEPT_EXTENSION_CHARS
  if (!keepExtension) return cutToBytes(name, MAX_FILE_NAME_BYTES)
  return cutToBytes(name.slice(0, dot), MAX_FILE_NAME_BYTES - utf8Bytes(extension)) + extension
}

/** The longest prefix of `text` (whole code points) of at most `max` UTF-8 bytes. */
function cutToBytes (text: string, max: number): string {
  let bytes = 0
  let out = ''
  for (const codePoint of text) {
    const size = utf8Bytes(codePoint)
    if (bytes + size > max) break
    bytes += size
    out += codePoint
  }
  return out
}

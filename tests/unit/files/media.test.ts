/**
 * The pure parts of files/media.ts. makeThumbnail needs createImageBitmap and
 * a canvas, which Node lacks: it is covered by the e2e suite.
 */
import { describe, expect, it } from 'vitest'
import { imageDimensions, inlineImageType, previewAspectRatio, previewType, sniffImage, THUMB_MAX_BYTES, THUMB_MAX_PX, validateThumb } from '../../../src/lib/files/media.ts'

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0))
const bytes = (...parts: Array<number[] | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => typeof part === 'string' ? ascii(part) : part))

const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0])
const PNG = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR')
const GIF87 = bytes('GIF87a', [1, 0, 1, 0])
const GIF89 = bytes('GIF89a', [1, 0, 1, 0])
const WEBP = bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')
const SVG = bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
const HTML = bytes('<!DOCTYPE html><html>')

describe('sniffImage', () => {
  it.each<[string, Uint8Array, ReturnType<typeof sniffImage>]>([
    ['JPEG', JPEG, 'image/jpeg'],
    ['PNG', PNG, 'image/png'],
    ['GIF87a', GIF87, 'image/gif'],
    ['GIF89a', GIF89, 'image/gif'],
    ['WebP', WEBP, 'image/webp'],
    ['SVG', SVG, null],
    ['HTML', HTML, null],
    ['a RIFF that is not WebP (WAV)', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), null],
    ['a PNG signature cut short', PNG.subarray(0, 7), null],
    ['two bytes of JPEG', JPEG.subarray(0, 2), null],
    ['GIF90a', bytes('GIF90a'), null],
    ['nothing', new Uint8Array(0), null]
  ])('%s → %s', (_what, input, expected) => {
    expect(sniffImage(input)).toBe(expected)
  })
})

describe('inlineImageType', () => {
  it('returns the sniffed type of a declared image whose bytes are a raster format', () => {
    expect(inlineImageType('image/jpeg', JPEG)).toBe('image/jpeg')
    expect(inlineImageType('image/gif', GIF89)).toBe('image/gif')
    expect(inlineImageType('Image/WebP', WEBP)).toBe('image/webp')
    // Declared as another image type: rendered as what the bytes are.
    expect(inlineImageType('image/jpeg', PNG)).toBe('image/png')
  })

  it('never renders SVG, even declared as an SVG image', () => {
    expect(inlineImageType('image/svg+xml', SVG)).toBeNull()
  })

  it('never renders SVG or HTML bytes declared as PNG', () => {
    expect(inlineImageType('image/png', SVG)).toBeNull()
    expect(inlineImageType('image/png', bytes('<svg'))).toBeNull()
    expect(inlineImageType('image/png', HTML)).toBeNull()
  })

  it('does not render raster bytes declared as something else', () => {
    expect(inlineImageType('application/octet-stream', PNG)).toBeNull()
    expect(inlineImageType('text/html', JPEG)).toBeNull()
    expect(inlineImageType('', JPEG)).toBeNull()
  })
})

describe('validateThumb', () => {
  const fill = (head: Uint8Array, size: number): Uint8Array => {
    const out = new Uint8Array(size)
    out.set(head.subarray(0, Math.min(head.length, size)))
    return out
  }

  it('accepts JPEG, PNG and WebP bytes of their declared type, up to THUMB_MAX_BYTES', () => {
    expect(validateThumb(JPEG, 'image/jpeg')).toBe(true)
    expect(validateThumb(PNG, 'image/png')).toBe(true)
    expect(validateThumb(WEBP, 'image/webp')).toBe(true)
    expect(validateThumb(fill(JPEG, THUMB_MAX_BYTES), 'image/jpeg')).toBe(true)
  })

  it('refuses a thumbnail that is too big, empty, mislabelled, GIF or not an image', () => {
    expect(validateThumb(fill(JPEG, THUMB_MAX_BYTES + 1), 'image/jpeg')).toBe(false)
    expect(validateThumb(new Uint8Array(0), 'image/jpeg')).toBe(false)
    expect(validateThumb(PNG, 'image/jpeg')).toBe(false)
    expect(validateThumb(GIF89, 'image/gif')).toBe(false)
    expect(validateThumb(SVG, 'image/svg+xml')).toBe(false)
    expect(validateThumb(SVG, 'image/png')).toBe(false)
  })

  it('has the documented bounds', () => {
    expect(THUMB_MAX_BYTES).toBe(24 * 1024)
    expect(THUMB_MAX_PX).toBe(320)
  })
})

/** The first bytes of real files of each kind, with the size they state. */
const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const le16 = (n: number): number[] => [n & 0xff, n >>> 8]
const PNG_320x240 = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], be32(13), 'IHDR', be32(320), be32(240), [8, 2, 0, 0, 0])
const GIF_17x5 = bytes('GIF89a', le16(17), le16(5))
/** SOI, an APP0 segment, a quantisation table, then SOF2 (progressive) for 640 × 427. */
const JPEG_640x427 = bytes(
  [0xff, 0xd8],
  [0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
  [0xff, 0xdb, 0x00, 0x04, 0x00, 0x01],
  [0xff, 0xff], // a fill byte before the next marker
  [0xff, 0xc2, 0x00, 0x11, 0x08, 0x01, 0xab, 0x02, 0x80, 0x03]
)
const webp = (chunk: string, body: number[]): Uint8Array => bytes('RIFF', [0x40, 0, 0, 0], 'WEBP', chunk, [0x20, 0, 0, 0], body)
/** lossy: frame tag, start code, 14-bit width and height */
const WEBP_LOSSY_300x200 = webp('VP8 ', [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...le16(300), ...le16(200)])
/** lossless: signature 0x2f, then width − 1 and height − 1 in 14 bits each */
const vp8lBits = (199 | (99 << 14)) >>> 0
const WEBP_LOSSLESS_200x100 = webp('VP8L', [0x2f, vp8lBits & 0xff, (vp8lBits >>> 8) & 0xff, (vp8lBits >>> 16) & 0xff, vp8lBits >>> 24])
/** extended: flags, 3 reserved bytes, then width − 1 and height − 1 in 24 bits each */
const WEBP_EXTENDED_4000x3000 = webp('VP8X', [0x10, 0, 0, 0, 3999 & 0xff, (3999 >> 8) & 0xff, 0, 2999 & 0xff, (2999 >> 8) & 0xff, 0])

describe('imageDimensions', () => {
  it.each<[string, Uint8Array, ReturnType<typeof imageDimensions>]>([
    ['PNG', PNG_320x240, { width: 320, height: 240 }],
    ['GIF', GIF_17x5, { width: 17, height: 5 }],
    ['JPEG (progressive, after other segments and a fill byte)', JPEG_640x427, { width: 640, height: 427 }],
    ['WebP, lossy', WEBP_LOSSY_300x200, { width: 300, height: 200 }],
    ['WebP, lossless', WEBP_LOSSLESS_200x100, { width: 200, height: 100 }],
    ['WebP, extended', WEBP_EXTENDED_4000x3000, { width: 4000, height: 3000 }],
    ['a PNG cut before its size', PNG_320x240.subarray(0, 20), null],
    ['a JPEG cut before its frame header', JPEG_640x427.subarray(0, 30), null],
    ['a JPEG whose scan starts before any frame header', bytes([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), null],
    ['a lossy WebP without its start code', webp('VP8 ', [0x30, 0x01, 0x00, 0, 0, 0, ...le16(300), ...le16(200)]), null],
    ['a PNG stating a width of 0', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], be32(13), 'IHDR', be32(0), be32(240)), null],
    ['SVG', SVG, null],
    ['nothing', new Uint8Array(0), null]
  ])('%s', (_what, input, expected) => {
    expect(imageDimensions(input)).toEqual(expected)
  })
})

describe('previewAspectRatio', () => {
  it('is the size the offer states, else the size in the preview\'s header, else none', () => {
    expect(previewAspectRatio({ thumb: PNG_320x240, width: 4032, height: 3024 })).toBe('4032 / 3024')
    // an offer that states no size (or a broken one): the preview's own shape
    expect(previewAspectRatio({ thumb: WEBP_LOSSY_300x200 })).toBe('300 / 200')
    expect(previewAspectRatio({ thumb: PNG_320x240, width: 0, height: 3024 })).toBe('320 / 240')
    expect(previewAspectRatio({ thumb: SVG })).toBeUndefined()
    expect(previewAspectRatio({})).toBeUndefined()
  })
})

describe('previewType', () => {
  it('is the type of a preview that may be shown: some bytes, of a JPEG, PNG or WebP type', () => {
    expect(previewType({ thumb: PNG_320x240, thumbMime: 'image/png' })).toBe('image/png')
    expect(previewType({ thumb: WEBP_LOSSY_300x200, thumbMime: 'image/webp' })).toBe('image/webp')
    expect(previewType({ thumb: GIF_17x5, thumbMime: 'image/gif' })).toBeUndefined()
    expect(previewType({ thumb: new Uint8Array(0), thumbMime: 'image/png' })).toBeUndefined()
    expect(previewType({ thumb: PNG_320x240 })).toBeUndefined()
    expect(previewType({})).toBeUndefined()
  })
})

/**
 * The pure parts of files/media.ts. makeThumbnail needs createImageBitmap and
 * a canvas, which Node lacks: it is covered by the e2e suite.
 */
import { describe, expect, it } from 'vitest'
import { inlineImageType, previewAspectRatio, previewType, sniffImage, THUMB_MAX_BYTES, THUMB_MAX_PX, validateThumb } from '../../../src/lib/files/media.ts'

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

const PNG_320x240 = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR', [0, 0, 1, 0x40, 0, 0, 0, 0xf0])

describe('previewAspectRatio', () => {
  it('is the full image\'s size the offer states, else none (the preview takes its own shape once decoded)', () => {
    expect(previewAspectRatio({ width: 4032, height: 3024 })).toBe('4032 / 3024')
    expect(previewAspectRatio({ width: 0, height: 3024 })).toBeUndefined()
    expect(previewAspectRatio({ width: 4032 })).toBeUndefined()
    expect(previewAspectRatio({})).toBeUndefined()
  })
})

describe('previewType', () => {
  it('is the type of a preview that may be shown: some bytes, of a JPEG, PNG or WebP type', () => {
    expect(previewType({ thumb: PNG_320x240, thumbMime: 'image/png' })).toBe('image/png')
    expect(previewType({ thumb: WEBP, thumbMime: 'image/webp' })).toBe('image/webp')
    expect(previewType({ thumb: GIF89, thumbMime: 'image/gif' })).toBeUndefined()
    expect(previewType({ thumb: new Uint8Array(0), thumbMime: 'image/png' })).toBeUndefined()
    expect(previewType({ thumb: PNG_320x240 })).toBeUndefined()
    expect(previewType({})).toBeUndefined()
  })
})

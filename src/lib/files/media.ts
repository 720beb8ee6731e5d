/**
 * Images in file messages: what may be shown inline, and the small preview a
 * sender attaches to an offer (docs/protocols.md, "Files").
 *
 * Only the four common raster formats are ever rendered, and only when their
 * bytes say so: a declared type alone is never trusted (an "image/png" that
 * is really SVG or HTML is offered as a file, not rendered). `makeThumbnail`
 * needs a browser (createImageBitmap, a canvas); the rest is pure.
 */
import { THUMB_MAX_BYTES } from '@parley/protocol/chat/constants'

/** Raster formats recognised by their first bytes. */
export type SniffedImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp'
/** Formats a thumbnail may have (the FileOffer's `thumbMime`). */
export type ThumbMime = 'image/jpeg' | 'image/png' | 'image/webp'

/** Largest thumbnail a sender makes and a receiver accepts, in bytes (a wire limit of the chat protocol). */
export { THUMB_MAX_BYTES }
/** Longest side of a thumbnail, in pixels. */
export const THUMB_MAX_PX = 320
/** Bytes `sniffImage` looks at; read at least this many for it. */
export const SNIFF_BYTES = 12

const THUMB_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'] satisfies readonly ThumbMime[]
/** Encoder qualities tried in turn until the thumbnail fits THUMB_MAX_BYTES. */
const THUMB_QUALITIES = [0.8, 0.65, 0.5, 0.35, 0.2]
/** Encodings tried in turn: WebP is smaller, but not every browser can encode it (Safari returns PNG). */
const THUMB_ENCODINGS = ['image/webp', 'image/jpeg'] as const satisfies readonly ThumbMime[]

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The raster format `bytes` start with (JPEG, PNG, GIF, WebP), or null. */
export function sniffImage (bytes: Uint8Array): SniffedImageType | null {
  const at = (offset: number, expected: readonly number[]): boolean => expected.every((byte, i) => bytes[offset + i] === byte)
  const ascii = (offset: number, text: string): boolean => at(offset, [...text].map((c) => c.charCodeAt(0)))
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, PNG_SIGNATURE)) return 'image/png'
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif'
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp'
  return null
}

/**
 * The type to render a file as an inline image, or null to offer it as a
 * file only. Both must hold: the declared type is an image type, and the
 * first bytes sniff as JPEG, PNG, GIF or WebP. The sniffed type is returned,
 * so a PNG declared as image/jpeg still renders as what it is; SVG (which can
 * carry script), HTML and anything unrecognised are never rendered inline.
 *
 * @param firstBytes at least the first SNIFF_BYTES bytes of the file
 */
export function inlineImageType (mime: string, firstBytes: Uint8Array): SniffedImageType | null {
  if (!/^image\//i.test(mime.trim())) return null
  return sniffImage(firstBytes)
}

/**
 * Whether a thumbnail received in an offer may be shown: 1 to THUMB_MAX_BYTES
 * bytes, a declared type of JPEG, PNG or WebP, and bytes that sniff as that type.
 */
export function validateThumb (bytes: Uint8Array, mime: string): boolean {
  if (bytes.byteLength === 0 || bytes.byteLength > THUMB_MAX_BYTES) return false
  return THUMB_TYPES.includes(mime) && sniffImage(bytes) === mime
}

/** The type of an offer's preview when it has one to show (bytes, of a JPEG, PNG or WebP type), else undefined. */
export function previewType (offer: { thumb?: Uint8Array, thumbMime?: string }): ThumbMime | undefined {
  const type = offer.thumbMime
  if (offer.thumb === undefined || offer.thumb.length === 0 || type === undefined || !THUMB_TYPES.includes(type)) return undefined
  return type as ThumbMime
}

/**
 * The shape to reserve for an offer's preview before it is decoded, as a CSS
 * aspect ratio ("4 / 3"): the full image's size, which every Parley offer
 * with a preview states (files/media.ts makeThumbnail, the codec's `width`
 * and `height`). An offer that states none gets undefined: its preview
 * takes its own shape once decoded (and the chat's ScrollKeeper keeps the
 * reader's place while it does).
 */
export function previewAspectRatio (offer: { width?: number, height?: number }): string | undefined {
  const { width, height } = offer
  return width !== undefined && height !== undefined && width > 0 && height > 0 ? `${width} / ${height}` : undefined
}

export interface Thumbnail {
  bytes: Uint8Array
  mime: 'image/jpeg' | 'image/webp'
  /** Pixel size of the full image (not of the thumbnail). */
  width: number
  height: number
}

/** How big a thumbnail may be: its longer side in pixels, its encoding in bytes. */
export interface ThumbnailLimits {
  maxPx: number
  maxBytes: number
}

/**
 * A preview of an image the user is sending (browser tab only): decoded with
 * createImageBitmap, scaled to fit THUMB_MAX_PX, encoded as WebP (or JPEG
 * where the browser cannot encode WebP) at falling quality until it fits
 * THUMB_MAX_BYTES (or `limits`: a group's picture is smaller).
 *
 * @returns null when the file is not a JPEG, PNG, GIF or WebP by its bytes,
 *   cannot be decoded, or no encoding fits
 */
export async function makeThumbnail (blob: Blob, limits: ThumbnailLimits = { maxPx: THUMB_MAX_PX, maxBytes: THUMB_MAX_BYTES }): Promise<Thumbnail | null> {
  const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer())
  if (sniffImage(head) === null) return null
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(blob)
  } catch {
    // Corrupt or unsupported image data: the file is still sent, without a preview.
    return null
  }
  try {
    const { width, height } = bitmap
    if (width === 0 || height === 0) return null
    const scale = Math.min(1, limits.maxPx / Math.max(width, height))
    const canvas = newCanvas(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)))
    for (const type of THUMB_ENCODINGS) {
      if (!canvas.draw(bitmap, type === 'image/jpeg')) return null
      for (const quality of THUMB_QUALITIES) {
        const encoded = await canvas.encode(type, quality)
        // A browser that cannot encode `type` silently returns PNG: try the next type.
        if (encoded === null || encoded.type !== type) break
        if (encoded.size <= limits.maxBytes) {
          return { bytes: new Uint8Array(await encoded.arrayBuffer()), mime: type, width, height }
        }
      }
    }
    return null
  } finally {
    bitmap.close()
  }
}

/** The two operations makeThumbnail needs from either canvas kind. */
interface ThumbCanvas {
  /** Draws the bitmap scaled to the canvas; `opaque` paints white first (JPEG has no alpha). Returns false without a 2D context. */
  draw: (bitmap: ImageBitmap, opaque: boolean) => boolean
  encode: (type: string, quality: number) => Promise<Blob | null>
}

/** An OffscreenCanvas where there is one (workers, modern browsers), else a document canvas. */
function newCanvas (width: number, height: number): ThumbCanvas {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height)
    return {
      draw: (bitmap, opaque) => drawOn(canvas.getContext('2d'), bitmap, width, height, opaque),
      encode: async (type, quality) => canvas.convertToBlob({ type, quality })
    }
  }
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  return {
    draw: (bitmap, opaque) => drawOn(canvas.getContext('2d'), bitmap, width, height, opaque),
    encode: async (type, quality) => new Promise((resolve) => { canvas.toBlob(resolve, type, quality) })
  }
}

/** Shared drawing for both canvas kinds. */
function drawOn (
  context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null,
  bitmap: ImageBitmap,
  width: number,
  height: number,
  opaque: boolean
): boolean {
  if (context === null) return false
  context.clearRect(0, 0, width, height)
  if (opaque) {
    context.fillStyle = '#fff'
    context.fillRect(0, 0, width, height)
  }
  context.imageSmoothingQuality = 'high'
  context.drawImage(bitmap, 0, 0, width, height)
  return true
}

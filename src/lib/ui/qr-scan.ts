/**
 * Finds a QR code in an image file, a bitmap, a video's current frame or raw
 * RGBA pixels, and returns its text. Uses the browser's BarcodeDetector where
 * it reads QR codes (Chromium on Android, macOS and ChromeOS, Safari), and the
 * bundled zxing-wasm reader elsewhere, loaded on first use so the app shell
 * does not carry it. Failures are typed errors (qr-errors.ts) whose messages
 * are sentences for the UI.
 */
import { t } from '../i18n/index.ts'
import { ImageTooLargeError, NoQrCodeError, QrDecoderUnavailableError, UnreadableImageError } from './qr-errors.ts'

/** RGBA pixels, row by row: a DOM ImageData or anything shaped like one (Node tests). */
export interface QrPixels {
  readonly data: Uint8ClampedArray
  readonly width: number
  readonly height: number
}

/** Reads one QR code from pixels; `undefined` when there is none. */
export interface QrDecoder {
  decode(image: QrPixels): Promise<string | undefined>
}

export type QrSource = Blob | ImageBitmap | HTMLVideoElement | QrPixels

export interface DecodeQrOptions {
  /** defaults to BarcodeDetector where it reads QR codes, else zxing-wasm */
  decoder?: QrDecoder
}

/** Refused before the browser decodes it: a phone photo is a few MB, and a decoded 20 MB file already costs hundreds of MB of pixels. */
export const MAX_IMAGE_FILE_BYTES = 20 * 1024 * 1024

/**
 * Larger pictures are scaled down to this longest side before decoding, which
 * bounds the decoder's time and memory. A QR code that fills a quarter of the
 * width still gets several pixels per module at this size.
 */
export const MAX_DECODE_SIDE_PX = 2048

/** Raw pixels are decoded as given (there is no canvas to scale them in Node), so they get the same bound. */
const MAX_DECODE_PIXELS = MAX_DECODE_SIDE_PX * MAX_DECODE_SIDE_PX

/** `HTMLMediaElement.HAVE_CURRENT_DATA`: the video has a frame to draw. */
const HAVE_CURRENT_DATA = 2

/** Decodes the QR code in `source` and returns its text. */
export async function decodeQr (source: QrSource, options: DecodeQrOptions = {}): Promise<string> {
  const pixels = await toPixels(source)
  const decoder = options.decoder ?? await defaultDecoder()
  const text = await decoder.decode(pixels)
  if (text === undefined) throw new NoQrCodeError()
  return text
}

async function toPixels (source: QrSource): Promise<QrPixels> {
  if (source instanceof Blob) return blobPixels(source)
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) {
    if (source.readyState < HAVE_CURRENT_DATA || source.videoWidth === 0) {
      throw new NoQrCodeError(t('add.noCameraPicture'))
    }
    return rasterize(source, source.videoWidth, source.videoHeight)
  }
  if ('data' in source) {
    if (source.width * source.height > MAX_DECODE_PIXELS) {
      throw new ImageTooLargeError(t('add.tooManyPixels', { pixels: MAX_DECODE_PIXELS }))
    }
    return source
  }
  return rasterize(source, source.width, source.height)
}

async function blobPixels (blob: Blob): Promise<QrPixels> {
  if (blob.size > MAX_IMAGE_FILE_BYTES) {
    throw new ImageTooLargeError(t('add.tooLargeFile', { megabytes: MAX_IMAGE_FILE_BYTES / 1024 / 1024 }))
  }
  if (blob.size === 0) throw new UnreadableImageError(t('add.emptyImage'))
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(blob)
  } catch (err) {
    throw new UnreadableImageError(undefined, { cause: err })
  }
  try {
    return rasterize(bitmap, bitmap.width, bitmap.height)
  } finally {
    bitmap.close()
  }
}

/** Draws `image` on a canvas no larger than MAX_DECODE_SIDE_PX and reads its pixels. */
function rasterize (image: CanvasImageSource, width: number, height: number): QrPixels {
  if (width === 0 || height === 0) throw new UnreadableImageError()
  const scale = Math.min(1, MAX_DECODE_SIDE_PX / Math.max(width, height))
  const w = Math.max(1, Math.round(width * scale))
  const h = Math.max(1, Math.round(height * scale))
  const context = canvas2d(w, h)
  if (context === null) throw new UnreadableImageError(t('add.cannotDraw'))
  // transparent pixels would read as black and swallow the code's dark modules
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, w, h)
  context.imageSmoothingQuality = 'high'
  context.drawImage(image, 0, 0, w, h)
  return context.getImageData(0, 0, w, h)
}

function canvas2d (width: number, height: number): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null {
  // `willReadFrequently` keeps the canvas in CPU memory: every frame is read back
  if (typeof OffscreenCanvas !== 'undefined') {
    return new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })
  }
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  return canvas.getContext('2d', { willReadFrequently: true })
}

// The Shape Detection API is not in TypeScript's DOM library yet.
interface DetectedBarcode {
  readonly rawValue: string
}

interface BarcodeDetectorInstance {
  detect(image: ImageData): Promise<DetectedBarcode[]>
}

interface BarcodeDetectorConstructor {
  new (options: { formats: string[] }): BarcodeDetectorInstance
  getSupportedFormats(): Promise<string[]>
}

let chosen: Promise<QrDecoder> | undefined

/** Picks the decoder once per tab: the browser's own where it reads QR codes, else zxing-wasm. */
async function defaultDecoder (): Promise<QrDecoder> {
  chosen ??= pickDecoder()
  return chosen
}

async function pickDecoder (): Promise<QrDecoder> {
  const zxing = lazyZxingDecoder()
  return (await nativeDecoder(zxing)) ?? zxing
}

/**
 * BarcodeDetector, with zxing as the fallback when a detection throws (some
 * platforms list qr_code yet fail at detect time, e.g. a missing system service).
 */
export async function nativeDecoder (fallback: QrDecoder): Promise<QrDecoder | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector
  if (Detector === undefined) return undefined
  let detector: BarcodeDetectorInstance
  try {
    if (!(await Detector.getSupportedFormats()).includes('qr_code')) return undefined
    detector = new Detector({ formats: ['qr_code'] })
  } catch (err) {
    console.warn('parley: BarcodeDetector is unusable, using zxing-wasm:', err)
    return undefined
  }
  let broken = false
  return {
    async decode (image: QrPixels): Promise<string | undefined> {
      if (!broken) {
        try {
          const codes = await detector.detect(toImageData(image))
          return codes.find(code => code.rawValue !== '')?.rawValue
        } catch (err) {
          console.warn('parley: BarcodeDetector failed, using zxing-wasm from now on:', err)
          broken = true
        }
      }
      return fallback.decode(image)
    }
  }
}

function toImageData (image: QrPixels): ImageData {
  return image instanceof ImageData ? image : new ImageData(new Uint8ClampedArray(image.data), image.width, image.height)
}

/** zxing-wasm behind a dynamic import: its JS and .wasm load on the first decode, not with the page. */
function lazyZxingDecoder (): QrDecoder {
  let loaded: Promise<QrDecoder> | undefined
  return {
    async decode (image: QrPixels): Promise<string | undefined> {
      loaded ??= import('./qr-zxing.ts').then(
        module => module.createZxingDecoder(),
        (err: unknown) => {
          // a failed chunk load (offline before the service worker cached it) may succeed later
          loaded = undefined
          throw new QrDecoderUnavailableError(undefined, { cause: err })
        }
      )
      return (await loaded).decode(image)
    }
  }
}

import { encode } from 'uqr'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeQr, MAX_DECODE_SIDE_PX, MAX_IMAGE_FILE_BYTES, nativeDecoder } from '../../../src/lib/ui/qr-scan.ts'
import { matrixPixels, nodeZxingDecoder, solidPixels } from './qr-helpers.ts'
import type { QrDecoder, QrPixels } from '../../../src/lib/ui/qr-scan.ts'

let zxing: QrDecoder

beforeAll(() => {
  zxing = nodeZxingDecoder()
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

/** Resolves to the rejection's error, so its name and message can be checked. */
async function failure (promise: Promise<unknown>): Promise<Error> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected a rejection with an Error')
  return err
}

describe('decodeQr with zxing-wasm', () => {
  it('reads a QR code surrounded by other picture content', async () => {
    const qr = matrixPixels(encode('https://parley.example.org/#/add/eyJ2IjoxfQ', { ecc: 'M', border: 4 }).data, 3)
    // place it off-centre on a grey background, as in a screenshot
    const canvas = solidPixels(400, 300, 200)
    for (let y = 0; y < qr.height; y++) {
      canvas.data.set(qr.data.subarray(y * qr.width * 4, (y + 1) * qr.width * 4), ((y + 40) * canvas.width + 150) * 4)
    }
    expect(await decodeQr(canvas, { decoder: zxing })).toBe('https://parley.example.org/#/add/eyJ2IjoxfQ')
  })

  it.each([
    ['a blank white image', solidPixels(320, 240, 255)],
    ['an all-black image', solidPixels(320, 240, 0)]
  ])('refuses %s with NoQrCodeError', async (_, pixels) => {
    const err = await failure(decodeQr(pixels, { decoder: zxing }))
    expect(err.name).toBe('NoQrCodeError')
    expect(err.message).toMatch(/^No QR code found in this image/)
  })

  it('refuses raw pixels beyond the decode bound before decoding', async () => {
    const decode = vi.fn<QrDecoder['decode']>()
    const huge: QrPixels = { data: new Uint8ClampedArray(4), width: MAX_DECODE_SIDE_PX + 1, height: MAX_DECODE_SIDE_PX }
    const err = await failure(decodeQr(huge, { decoder: { decode } }))
    expect(err.name).toBe('ImageTooLargeError')
    expect(decode).not.toHaveBeenCalled()
  })
})

describe('decodeQr with image files', () => {
  it('refuses a file over 20 MB without opening it', async () => {
    const open = vi.fn(async () => { throw new Error('must not be called') })
    vi.stubGlobal('createImageBitmap', open)
    const err = await failure(decodeQr(new Blob([new Uint8Array(MAX_IMAGE_FILE_BYTES + 1)], { type: 'image/png' }), { decoder: zxing }))
    expect(err.name).toBe('ImageTooLargeError')
    expect(err.message).toContain('larger than 20 MB')
    expect(open).not.toHaveBeenCalled()
  })

  it('refuses an empty file', async () => {
    const err = await failure(decodeQr(new Blob([], { type: 'image/png' }), { decoder: zxing }))
    expect(err.name).toBe('UnreadableImageError')
    expect(err.message).toContain('empty')
  })

  it('says the image could not be read when the browser cannot decode it', async () => {
    // what Chromium does with a text file renamed to .png
    vi.stubGlobal('createImageBitmap', async () => { throw new DOMException('The source image could not be decoded.', 'InvalidStateError') })
    const err = await failure(decodeQr(new Blob(['not a picture'], { type: 'image/png' }), { decoder: zxing }))
    expect(err.name).toBe('UnreadableImageError')
    expect(err.message).toMatch(/^This image could not be read/)
  })
})

/** Node has neither ImageData nor BarcodeDetector; these stand in for the browser's. */
class FakeImageData {
  constructor (readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
}

function stubBarcodeDetector (formats: string[], detect: (image: unknown) => Promise<Array<{ rawValue: string }>>): void {
  vi.stubGlobal('ImageData', FakeImageData)
  vi.stubGlobal('BarcodeDetector', class {
    static async getSupportedFormats (): Promise<string[]> { return formats }
    constructor (readonly options: { formats: string[] }) {}
    async detect (image: unknown): Promise<Array<{ rawValue: string }>> { return detect(image) }
  })
}

describe('BarcodeDetector', () => {
  const fallback: QrDecoder = { decode: async () => 'from zxing' }

  it('is used when it reads QR codes, and gets ImageData', async () => {
    const detect = vi.fn(async (_image: unknown) => [{ rawValue: 'from the browser' }])
    stubBarcodeDetector(['ean_13', 'qr_code'], detect)
    const decoder = await nativeDecoder(fallback)
    expect(await decoder?.decode(solidPixels(10, 10, 255))).toBe('from the browser')
    expect(detect.mock.calls[0]?.[0]).toBeInstanceOf(FakeImageData)
  })

  it('finding nothing is "no QR code", not a reason to ask zxing', async () => {
    stubBarcodeDetector(['qr_code'], async () => [])
    const decoder = await nativeDecoder(fallback)
    if (decoder === undefined) throw new Error('expected the native decoder')
    const err = await failure(decodeQr(solidPixels(10, 10, 255), { decoder }))
    expect(err.name).toBe('NoQrCodeError')
  })

  it('is skipped when it does not list qr_code', async () => {
    stubBarcodeDetector(['ean_13'], async () => [{ rawValue: 'never' }])
    expect(await nativeDecoder(fallback)).toBeUndefined()
  })

  it('is skipped where it does not exist', async () => {
    expect(await nativeDecoder(fallback)).toBeUndefined()
  })

  it('hands over to zxing for good once a detection throws', async () => {
    const detect = vi.fn(async () => { throw new DOMException('Barcode detection service unavailable.', 'NotSupportedError') })
    stubBarcodeDetector(['qr_code'], detect)
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const decoder = await nativeDecoder(fallback)
    expect(await decoder?.decode(solidPixels(10, 10, 255))).toBe('from zxing')
    expect(await decoder?.decode(solidPixels(10, 10, 255))).toBe('from zxing')
    expect(detect).toHaveBeenCalledTimes(1)
  })
})

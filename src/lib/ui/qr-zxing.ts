/**
 * The zxing-wasm QR reader, for browsers without a BarcodeDetector that reads
 * QR codes (Firefox, desktop Chromium on Linux and Windows). qr-scan.ts loads
 * this module with a dynamic import, so the reader's JS and its ~930 KiB
 * .wasm are fetched only when someone scans, never with the app shell.
 */
import { prepareZXingModule, purgeZXingModule, readBarcodes } from 'zxing-wasm/reader'
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'
import type { ReaderOptions, ZXingModuleOverrides } from 'zxing-wasm/reader'
import { QrDecoderUnavailableError } from './qr-errors.ts'
import type { QrDecoder, QrPixels } from './qr-scan.ts'

/**
 * The library fetches its .wasm from a CDN unless told otherwise. Parley must
 * work offline and from any self-hosted origin, so Vite bundles the file
 * (`?url`), the service worker precaches it, and Emscripten is pointed at it.
 */
export const APP_WASM_OVERRIDES: ZXingModuleOverrides = {
  locateFile: (path: string, prefix: string) => path.endsWith('.wasm') ? wasmUrl : prefix + path
}

const READER_OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  // worth the time for photos of screens: a scan is one image or one frame every few hundred ms
  tryHarder: true,
  tryInvert: true,
  maxNumberOfSymbols: 1
}

/**
 * A decoder backed by zxing-wasm. `overrides` says how Emscripten finds the
 * .wasm: the app's own copy by default; Node tests pass `{ wasmBinary }`.
 */
export function createZxingDecoder (overrides: ZXingModuleOverrides = APP_WASM_OVERRIDES): QrDecoder {
  prepareZXingModule({ overrides })
  return {
    async decode (image: QrPixels): Promise<string | undefined> {
      let results
      try {
        // zxing reads any { data, width, height } RGBA buffer; it need not be a DOM ImageData
        results = await readBarcodes(image as ImageData, READER_OPTIONS)
      } catch (err) {
        // the module caches its instantiation, failures included: forget it so the next scan retries
        purgeZXingModule()
        prepareZXingModule({ overrides })
        throw new QrDecoderUnavailableError(undefined, { cause: err })
      }
      return results.find(result => result.isValid && result.text !== '')?.text
    }
  }
}

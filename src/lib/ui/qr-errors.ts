/**
 * Why a QR scan gave no text. Each message is a sentence the UI shows as is;
 * callers match by `name` (lib/contract/errors.ts). Messages are in the language
 * current when the error is made (lib/i18n).
 */
import { t } from '../i18n/index.ts'

/** The picture was read, but nothing in it decodes as a QR code. */
export class NoQrCodeError extends Error {
  override name = 'NoQrCodeError'

  constructor (message = t('add.noQrCode'), options?: ErrorOptions) {
    super(message, options)
  }
}

/** The file is not an image this browser can open (or it is damaged). */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError'

  constructor (message = t('add.unreadableImage'), options?: ErrorOptions) {
    super(message, options)
  }
}

/** Refused before decoding, so a huge file cannot exhaust the tab's memory. */
export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError'
}

/** Neither the browser's BarcodeDetector nor the bundled decoder could run. */
export class QrDecoderUnavailableError extends Error {
  override name = 'QrDecoderUnavailableError'

  constructor (message = t('add.decoderUnavailable'), options?: ErrorOptions) {
    super(message, options)
  }
}

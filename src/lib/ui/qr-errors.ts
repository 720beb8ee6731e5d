/**
 * Why a QR scan gave no text. Each message is a sentence the UI shows as is;
 * callers match by `name` (STYLE.md "Errors").
 */

/** The picture was read, but nothing in it decodes as a QR code. */
export class NoQrCodeError extends Error {
  override name = 'NoQrCodeError'

  constructor (message = 'No QR code found in this image. Try a sharper picture, or one where the code fills more of it.', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The file is not an image this browser can open (or it is damaged). */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError'

  constructor (message = 'This image could not be read. Choose a PNG, JPEG or WebP picture of the QR code.', options?: ErrorOptions) {
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

  constructor (message = 'The QR code reader could not be loaded. Reload the page and try again, or paste the invite instead.', options?: ErrorOptions) {
    super(message, options)
  }
}

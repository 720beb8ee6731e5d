import type { EnTable } from '../table.ts'

/**
 * Strings of the Add contact screen (routes/AddContact.svelte): pasting an
 * invite, Nearby, and scanning a QR code (lib/ui/QrScanner.svelte,
 * qr-scan.ts, qr-errors.ts).
 */
export const en = {
  title: 'Add contact',
  intro: 'Paste the invite your contact shared with you, or scan its QR code.',
  inviteLabel: 'Invite',
  submit: 'Add contact',
  pasteFirst: 'Paste an invite first.',
  nearbyHeading: 'Nearby',
  nearbySwitch: 'Show me to people nearby',
  nearbyWhat: 'While this is on, your name is shown to people on the same network who are connected to the same relay, and you see theirs.',
  nearbyLooking: 'Looking for people nearby…',
  nearbyEmpty: 'No one nearby yet. Ask the other person to turn on Nearby on their Add contact screen, on the same network.',
  nearbyList: 'People nearby',
  add: 'Add',
  // AddContactCard.svelte: "Add <name>?" before anything is sent
  cardTitle: 'Add {name}?',
  cardTitleUnnamed: 'Add this contact?',
  cardId: 'Peer ID',
  cardUnchecked: 'This invite has no check, so a mistyped character would not show: compare the whole ID with the one they see under My invite.',
  cardRequest: 'Parley sends a contact request. You can write right away: your messages are delivered once it is accepted.',
  cardAccept: '{name} has asked to be your contact. Adding them accepts the request.',
  cardOpen: '{name} is already your contact.',
  cardBlocked: 'You blocked {name}. Unblock them in their contact info to add them again.',
  cardSend: 'Send request',
  cardAcceptButton: 'Accept request',
  cardOpenButton: 'Open chat',
  cardInfoButton: 'Contact info',
  scanHeading: 'Scan a QR code',
  scanIntro: 'Show your camera the code on your contact\'s {screen} screen, or choose a screenshot of it.',
  // QrScanner.svelte
  scanCamera: 'Scan QR code',
  stopCamera: 'Stop camera',
  scanFile: 'Scan from image file',
  cameraPreview: 'Camera preview',
  cameraStarting: 'Starting the camera…',
  cameraPoint: 'Point the camera at the QR code.',
  readingImage: 'Reading the image…',
  cameraDenied: 'Camera access was denied. Allow the camera for this site in your browser settings, or scan from an image file.',
  cameraNotFound: 'No camera was found. Scan from an image file instead.',
  cameraBusy: 'The camera could not be started: another app may be using it. Close that app and try again, or scan from an image file.',
  cameraFailed: 'The camera could not be started. Scan from an image file instead.',
  cameraUnsupported: 'This browser cannot use a camera on this page. Scan from an image file instead.',
  cameraStopped: 'The camera stopped. Start it again, or scan from an image file.',
  // qr-errors.ts, qr-scan.ts
  noQrCode: 'No QR code found in this image. Try a sharper picture, or one where the code fills more of it.',
  noCameraPicture: 'The camera has not shown a picture yet.',
  unreadableImage: 'This image could not be read. Choose a PNG, JPEG or WebP picture of the QR code.',
  emptyImage: 'This file is empty. Choose a picture of the QR code.',
  cannotDraw: 'This browser could not draw the image to read it.',
  tooManyPixels: 'This image has more than {pixels} pixels. Use a smaller picture of the QR code.',
  tooLargeFile: 'This image is larger than {megabytes} MB. Choose a smaller picture, or a screenshot of just the QR code.',
  decoderUnavailable: 'The QR code reader could not be loaded. Reload the page and try again, or paste the invite instead.'
} as const satisfies EnTable

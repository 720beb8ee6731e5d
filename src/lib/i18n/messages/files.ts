import type { EnTable } from '../table.ts'

/**
 * Strings of the 'files' area (keys are used as `t('files.<key>')`): the file
 * card in a chat, transfer progress, dropping and pasting files, the image viewer.
 * `{name}` is the contact's display name, `{file}` a file name.
 */
export const en = {
  fallbackName: 'File',
  notOnDevice: 'The file is not on this device.',
  /** under the sender's own file when its name had to be made safe to send */
  sentAs: 'Sent as “{file}”',
  cancel: 'Cancel',
  retry: 'Retry',
  save: 'Save',
  cancelSending: 'Cancel sending {file}',
  cancelDownloading: 'Cancel downloading {file}',
  retrySending: 'Retry sending {file}',
  retryDownloading: 'Retry downloading {file}',
  saveLabel: 'Save {file}',
  openLabel: 'Open {file}',
  progressLabel: 'Progress of {file}',
  pathPrefix: 'Connection path: ',
  pathDirect: 'direct',
  pathRelayed: 'relayed',
  timeLeft: '{eta} left',
  preparing: 'Preparing…',
  waitingOnline: 'Waiting for {name} to come online',
  waitingToFetch: 'Waiting for {name} to download it',
  waitingSlot: 'Waiting for other downloads to finish',
  waitingDirect: 'Waiting for a direct connection',
  sending: 'Sending',
  receiving: 'Receiving',
  verifying: 'Checking the file…',
  sent: 'Sent',
  received: 'Received',
  cancelledByMe: 'Cancelled by you',
  cancelledByPeer: 'Cancelled by {name}',
  cancelled: 'Cancelled',
  failed: 'Failed: {reason}',
  failedNoReason: 'Failed',
  seconds: '{s} s',
  minutes: '{m} min',
  hours: '{h} h',
  hoursMinutes: '{h} h {m} min',
  perSecond: '{size}/s',
  drop: 'Drop files to send',
  dismiss: 'Dismiss',
  tooMany: {
    one: 'Only {max} files can be sent at once: {count} was left out.',
    other: 'Only {max} files can be sent at once: {count} were left out.'
  },
  folders: {
    one: 'Folders cannot be sent: a folder was left out.',
    other: 'Folders cannot be sent: {count} folders were left out.'
  },
  viewerClose: 'Close',
  viewerCloseLabel: 'Close image',
  viewerSave: 'Save',
  viewerPrevious: 'Previous photo',
  viewerNext: 'Next photo',
  viewerDetails: '{size} · {time}',
  pendingTitle: { one: 'Send a file', other: 'Send {count} files' },
  pendingCaption: 'Caption',
  pendingCaptionPlaceholder: 'Add a caption…',
  pendingSend: 'Send',
  pendingCancel: 'Cancel'
} as const satisfies EnTable

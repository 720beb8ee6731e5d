import type { EnTable } from '../table.ts'

/** Words used on many screens. */
export const en = {
  appName: 'Parley',
  loading: 'Loading…',
  cancel: 'Cancel',
  close: 'Close',
  save: 'Save',
  remove: 'Remove',
  retry: 'Try again',
  copy: 'Copy',
  copied: 'Copied',
  back: 'Back',
  today: 'Today',
  yesterday: 'Yesterday',
  genericError: 'Something went wrong. Please try again.'
} as const satisfies EnTable

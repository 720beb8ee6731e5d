import type { EnTable } from '../table.ts'

/**
 * Strings of the 'contacts' area (keys are used as `t('contacts.<key>')`):
 * a contact's info screen (nickname, notes, safety number, blocking,
 * deleting). `{name}` is the contact's display name: user data, rendered with
 * translate="no" (ui/Template.svelte) where it shows as text.
 */
export const en = {
  contact: 'Contact',
  readError: 'Could not read this contact: {error}',
  notFound: 'Contact not found',
  notOnDevice: 'This contact does not exist on this device.',
  theirName: 'Their name:',
  openChat: 'Open the chat',
  backToChat: 'Back to the chat',
  nickname: 'Nickname',
  notes: 'Notes',
  save: 'Save',
  saved: 'Saved',
  deviceCount: { one: '{name} uses Parley on {count} device', other: '{name} uses Parley on {count} devices' },
  safetyNumber: 'Safety number',
  safetyHint: 'Compare these digits with the ones {name} sees for you, in person or on a call you trust, or scan each other\'s code. If they match, nobody sits between you.',
  safetyDigits: 'Safety number digits',
  safetyQr: 'Safety number QR code',
  safetyWorking: 'Working out the safety number…',
  verified: '✓ You verified {name}.',
  notVerified: 'Not verified yet.',
  markVerified: 'Mark as verified',
  markNotVerified: 'Mark as not verified',
  scanTheirCode: 'Scan their code',
  match: 'The safety numbers match: this contact is verified.',
  mismatch: 'The safety numbers do NOT match. Do not mark this contact verified: you may not be talking to who you think.',
  notASafetyCode: 'This QR code is not a Parley safety number. Scan the code on their Contact info screen.',
  blocking: 'Blocking',
  blockedText: 'You blocked {name}: they cannot connect to you and nothing they send is kept.',
  blockHint: 'A blocked contact cannot connect to you, and nothing they send is kept.',
  block: 'Block {name}',
  unblock: 'Unblock {name}',
  delete: 'Delete',
  deleteHistory: 'Also delete the chat history',
  deleteContact: 'Delete {name}',
  confirmDeleteAll: 'Delete {name} and every message with them from this device?',
  confirmDelete: 'Delete {name}? The chat history stays and comes back if you add them again.',
  yesDelete: 'Yes, delete',
  cancel: 'Cancel'
} as const satisfies EnTable

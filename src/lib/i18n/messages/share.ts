import type { EnTable } from '../table.ts'

/** Strings of the 'share' area (keys are used as `t('share.<key>')`): the share screen (#/share). */
export const en = {
  heading: 'Share',
  loading: 'Reading what was shared…',
  nothing: 'Nothing was shared, or it was already sent.',
  tooMany: { one: 'Only {count} file can be shared at once. Nothing was kept: share fewer files.', other: 'Only {count} files can be shared at once. Nothing was kept: share fewer files.' },
  tooLarge: 'The shared files are too large (more than {size} together). Nothing was kept: share fewer or smaller files.',
  unreadable: 'What was shared could not be read. Please share it again.',
  readFailed: 'Could not read what was shared: {reason}',
  what: 'Shared with Parley',
  titleLabel: 'Title',
  textLabel: 'Text',
  linkLabel: 'Link',
  filesLabel: 'Files',
  chooseContact: 'Send to',
  noContacts: 'You have no contacts to send this to yet. Add a contact first.',
  addContact: 'Add a contact',
  send: 'Send',
  sending: 'Sending…',
  pickFirst: 'Choose who to send it to.',
  discard: 'Discard',
  sendFailed: 'Could not send: {reason}'
} as const satisfies EnTable

import type { EnTable } from '../table.ts'

/** Strings of the 'search' area (keys are used as `t('search.<key>')`): search across all chats. */
export const en = {
  /** the Search tab's label (AppNav.svelte) */
  nav: 'Search',
  title: 'Search messages',
  /** label of the search box */
  label: 'Search in all chats',
  placeholder: 'Words from a message',
  hint: 'Type a word or the start of one. Every word must appear in the message.',
  searching: 'Searching…',
  noResults: 'No messages found',
  results: { one: '{count} message found', other: '{count} messages found' },
  /** older results may follow (they load as the list scrolls) */
  resultsSoFar: { one: 'The newest {count} message found; scroll for older ones', other: 'The newest {count} messages found; scroll for older ones' },
  /** the list stopped at its bound */
  more: 'Showing the newest {count}. Add words to narrow the search.',
  /** the button (at the end of the list) that loads older results; they also load when it scrolls into view */
  showMore: 'Show older results',
  /** accessible name of the results list */
  resultsLabel: 'Search results',
  you: 'You',
  error: 'Could not search: {error}'
} as const satisfies EnTable

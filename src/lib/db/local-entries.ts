/**
 * Entries this device writes into a chat for itself and never sends: the
 * rule lives with the other rules about rows (model/local-entries.ts).
 */
export { isLocalEntry } from '../model/local-entries.ts'

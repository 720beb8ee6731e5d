import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'contacts' area (keys are used as `t('contacts.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

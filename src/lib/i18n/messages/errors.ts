import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'errors' area (keys are used as `t('errors.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

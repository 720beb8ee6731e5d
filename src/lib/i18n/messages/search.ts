import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'search' area (keys are used as `t('search.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

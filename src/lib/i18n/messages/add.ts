import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'add' area (keys are used as `t('add.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

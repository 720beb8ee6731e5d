import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'settings' area (keys are used as `t('settings.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

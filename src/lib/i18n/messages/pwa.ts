import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'pwa' area (keys are used as `t('pwa.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

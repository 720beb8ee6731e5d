import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'share' area (keys are used as `t('share.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'app' area (keys are used as `t('app.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

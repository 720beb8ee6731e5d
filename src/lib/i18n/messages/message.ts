import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'message' area (keys are used as `t('message.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

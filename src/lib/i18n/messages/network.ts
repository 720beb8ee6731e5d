import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'network' area (keys are used as `t('network.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

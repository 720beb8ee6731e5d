import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'invite' area (keys are used as `t('invite.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

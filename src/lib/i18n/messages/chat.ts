import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'chat' area (keys are used as `t('chat.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

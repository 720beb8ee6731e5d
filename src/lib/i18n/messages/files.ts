import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'files' area (keys are used as `t('files.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

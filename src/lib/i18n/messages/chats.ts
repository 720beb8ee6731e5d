import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'chats' area (keys are used as `t('chats.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

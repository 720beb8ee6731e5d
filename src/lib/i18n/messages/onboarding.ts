import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'onboarding' area (keys are used as `t('onboarding.<key>')`). */
export const en = {
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
}

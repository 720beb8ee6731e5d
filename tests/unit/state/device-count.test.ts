/**
 * Contact info's device count (issue 58: one person on several devices): the
 * devices the contact's held list names, 1 without a list, and the words for
 * it in English and Russian with their plural forms.
 */
import '../../support/russian.ts'
import { describe, expect, it } from 'vitest'
import { t } from '../../../src/lib/i18n/index.ts'
import { deviceCountOf } from '../../../src/lib/state/contacts.svelte.ts'

describe('a contact\'s device count', () => {
  it('counts the held list\'s devices, one without a list, none without a row', () => {
    expect(deviceCountOf({ devicePeers: ['a', 'b', 'c'] })).toBe(3)
    expect(deviceCountOf({})).toBe(1)
    expect(deviceCountOf(undefined)).toBe(0)
  })

  it('is said with its plural form in both languages, the name left for the page to fill', () => {
    expect(t('contacts.deviceCount', { count: 2 }, 'en')).toBe('{name} uses Parley on 2 devices')
    expect(t('contacts.deviceCount', { count: 2 }, 'ru')).toBe('{name} пользуется Parley на 2 устройствах')
    expect(t('contacts.deviceCount', { count: 5 }, 'ru')).toBe('{name} пользуется Parley на 5 устройствах')
    expect(t('notices.deviceAdded', undefined, 'en')).toBe('{name} linked a new device')
    expect(t('notices.deviceRemoved', undefined, 'ru')).toBe('{name}: устройство отключено')
  })
})

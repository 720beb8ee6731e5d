/** The tab's display preferences (state/preferences.svelte.ts): the setters, and reset() reading localStorage again. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import { preferences } from '../../../src/lib/state/preferences.svelte.ts'
import { MemoryStorage } from './storage-stub.ts'

let storage: MemoryStorage

beforeEach(() => {
  storage = new MemoryStorage()
  vi.stubGlobal('localStorage', storage)
})

afterEach(async () => {
  vi.unstubAllGlobals()
  await preferences.reset()
  setLocale('en')
})

describe('preferences', () => {
  it('keeps a choice in localStorage and switches the strings to it', async () => {
    await preferences.setLanguage('ru')
    preferences.setTheme('dark')
    expect(preferences.language).toBe('ru')
    expect(preferences.locale).toBe('ru')
    expect(preferences.theme).toBe('dark')
    expect(getLocale()).toBe('ru')
    expect(storage.getItem('parley.language')).toBe('ru')
    expect(storage.getItem('parley.theme')).toBe('dark')
  })

  it('reset() forgets what it holds and reads localStorage again', async () => {
    await preferences.setLanguage('ru')
    preferences.setTheme('light')
    // another tab's choice, written without an event reaching this one
    storage.setItem('parley.language', 'en')
    storage.removeItem('parley.theme')
    await preferences.reset()
    expect(preferences.language).toBe('en')
    expect(preferences.locale).toBe('en')
    expect(preferences.theme).toBe('system')
    expect(getLocale()).toBe('en')

    storage.clear()
    await preferences.reset()
    expect(preferences.language).toBe('auto')
  })

  it('puts the last choice in use when an earlier one loads after it', async () => {
    const ru = preferences.setLanguage('ru')
    const en = preferences.setLanguage('en')
    await Promise.all([ru, en])
    expect(preferences.language).toBe('en')
    expect(preferences.locale).toBe('en')
    expect(getLocale()).toBe('en')
  })
})

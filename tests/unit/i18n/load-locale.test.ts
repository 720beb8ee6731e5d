/**
 * The Russian strings on demand (lib/i18n/load-locale.ts, ru.ts): English is
 * there from the start and loads nothing; Russian is fetched once, before the
 * UI is mounted in it (preferences.ready); a chunk that cannot be fetched
 * leaves the app in English without a crash. The preferences' cases run in
 * fresh modules, as a new tab does (the test setup adds Russian to the shared
 * ones).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LocaleLoader, type ImportRussian } from '../../../src/lib/i18n/load-locale.ts'
import { RUSSIAN } from '../../../src/lib/i18n/ru.ts'
import { MemoryStorage } from '../state/storage-stub.ts'

const RU_CHUNK = '../../../src/lib/i18n/ru.ts'

/** A new tab's i18n and preferences, with the browser's languages and a stored choice. */
async function freshTab (languages: readonly string[], stored?: string): Promise<{
  i18n: typeof import('../../../src/lib/i18n/index.ts')
  preferences: typeof import('../../../src/lib/state/preferences.svelte.ts')['preferences']
}> {
  const storage = new MemoryStorage()
  if (stored !== undefined) storage.setItem('parley.language', stored)
  vi.stubGlobal('localStorage', storage)
  vi.stubGlobal('navigator', { languages })
  vi.resetModules()
  const i18n = await import('../../../src/lib/i18n/index.ts')
  const { preferences } = await import('../../../src/lib/state/preferences.svelte.ts')
  return { i18n, preferences }
}

let chunkLoads = 0
let warn: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  chunkLoads = 0
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
})

afterEach(() => {
  vi.doUnmock(RU_CHUNK)
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  vi.resetModules()
})

function countChunkLoads (): void {
  vi.doMock(RU_CHUNK, async (importOriginal) => {
    chunkLoads++
    return await importOriginal()
  })
}

describe('the tab\'s language at start', () => {
  it('is English for an English browser, with nothing loaded', async () => {
    countChunkLoads()
    const { i18n, preferences } = await freshTab(['en-GB', 'de'])
    await preferences.ready
    expect(preferences.locale).toBe('en')
    expect(i18n.getLocale()).toBe('en')
    expect(i18n.hasLocale('ru')).toBe(false)
    expect(i18n.t('common.cancel')).toBe('Cancel')
    expect(chunkLoads).toBe(0)
  })

  it('is Russian once ready for a Russian browser, and the chunk loads once however often Russian is chosen', async () => {
    countChunkLoads()
    const { i18n, preferences } = await freshTab(['ru-RU', 'en'])
    // before ready nothing is mounted; the strings in use are still English
    expect(i18n.getLocale()).toBe('en')
    await preferences.ready
    expect(preferences.locale).toBe('ru')
    expect(i18n.t('common.cancel')).toBe('Отмена')
    expect(i18n.t('common.genericError')).toBe('Что-то пошло не так. Попробуйте ещё раз.')

    await preferences.setLanguage('en')
    expect(preferences.locale).toBe('en')
    expect(i18n.t('common.cancel')).toBe('Cancel')
    await preferences.setLanguage('ru')
    expect(preferences.locale).toBe('ru')
    expect(i18n.t('common.cancel')).toBe('Отмена')
    expect(chunkLoads).toBe(1)
  })

  it('is Russian when Settings chose it in an English browser', async () => {
    const { i18n, preferences } = await freshTab(['en-US'], 'ru')
    await preferences.ready
    expect(preferences.locale).toBe('ru')
    expect(i18n.t('chats.title')).toBe(RUSSIAN.chats.title)
  })

  it('stays English, without a crash, when the Russian chunk cannot be fetched', async () => {
    vi.doMock(RU_CHUNK, () => { throw new Error('Failed to fetch dynamically imported module') })
    const { i18n, preferences } = await freshTab(['ru-RU'])
    await expect(preferences.ready).resolves.toBeUndefined()
    expect(preferences.locale).toBe('en')
    expect(i18n.getLocale()).toBe('en')
    expect(i18n.t('common.cancel')).toBe('Cancel')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Russian strings'), expect.any(Error))

    // choosing Russian in Settings keeps the choice and the English UI
    await expect(preferences.setLanguage('ru')).resolves.toBeUndefined()
    expect(preferences.language).toBe('ru')
    expect(preferences.locale).toBe('en')
    expect(i18n.t('common.cancel')).toBe('Cancel')
  })
})

describe('LocaleLoader', () => {
  it('answers English without fetching anything', async () => {
    const importRussian = vi.fn<ImportRussian>(async () => ({ RUSSIAN }))
    const loader = new LocaleLoader(importRussian)
    expect(await loader.load('en')).toBe('en')
    expect(importRussian).not.toHaveBeenCalled()
  })

  it('fetches Russian once for loads at the same time and after', async () => {
    const importRussian = vi.fn<ImportRussian>(async () => ({ RUSSIAN }))
    const loader = new LocaleLoader(importRussian)
    expect(await Promise.all([loader.load('ru'), loader.load('ru')])).toEqual(['ru', 'ru'])
    expect(await loader.load('ru')).toBe('ru')
    expect(importRussian).toHaveBeenCalledTimes(1)
  })

  it('answers English for a failed fetch and fetches again on the next load', async () => {
    const importRussian = vi.fn<ImportRussian>()
      .mockRejectedValueOnce(new TypeError('Failed to fetch dynamically imported module'))
      .mockResolvedValueOnce({ RUSSIAN })
    const loader = new LocaleLoader(importRussian)
    expect(await loader.load('ru')).toBe('en')
    expect(await loader.load('ru')).toBe('ru')
    expect(importRussian).toHaveBeenCalledTimes(2)
  })
})

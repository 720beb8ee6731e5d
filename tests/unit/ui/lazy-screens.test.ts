/**
 * The screens loaded when first opened (routes/lazy-screens.svelte.ts): a
 * screen is fetched once however often it is asked for, shows at once after,
 * and a chunk that cannot be fetched is reported and fetched again on retry.
 * Reactivity is not under test here: the state is read directly.
 */
import { describe, expect, it, vi } from 'vitest'
import { LazyScreens, type ScreenLoaders } from '../../../src/routes/lazy-screens.svelte.ts'

type SettingsScreen = Awaited<ReturnType<ScreenLoaders['settings']>>
/** stands for the Settings screen's component: only its identity is checked */
const Settings = (() => {}) as unknown as SettingsScreen

/** Loaders that never settle, but for `settings`. */
function loaders (settings: () => Promise<SettingsScreen>): ScreenLoaders {
  const never = async (): Promise<never> => await new Promise<never>(() => {})
  return { chat: never, group: never, add: never, contact: never, 'group-info': never, invite: never, network: never, 'new-group': never, search: never, settings, share: never }
}

/** Lets the loader's promise chain run (a resolved loader settles within a few microtasks). */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('LazyScreens', () => {
  it('fetches a screen once, on first asking, and gives it at once after', async () => {
    const load = vi.fn(async () => Settings)
    const screens = new LazyScreens(loaders(load))
    expect(screens.shown('settings')).toBe(false)
    expect(screens.shown('chats')).toBe(true)
    expect(load).not.toHaveBeenCalled()

    expect(screens.get('settings')).toBeUndefined()
    expect(screens.get('settings')).toBeUndefined()
    await settle()
    expect(screens.get('settings')).toBe(Settings)
    expect(screens.shown('settings')).toBe(true)
    expect(screens.error('settings')).toBeUndefined()
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('prefetches a screen once, and not one that failed until retry', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const failure = new TypeError('Failed to fetch dynamically imported module')
    const load = vi.fn<() => Promise<SettingsScreen>>().mockRejectedValueOnce(failure).mockResolvedValueOnce(Settings)
    const screens = new LazyScreens(loaders(load))
    screens.prefetch('settings')
    screens.prefetch('settings')
    await settle()
    expect(load).toHaveBeenCalledTimes(1)
    expect(screens.error('settings')).toBe(failure)
    screens.prefetch('settings')
    await settle()
    expect(load).toHaveBeenCalledTimes(1)

    screens.retry('settings')
    await settle()
    expect(screens.get('settings')).toBe(Settings)
    screens.prefetch('settings')
    expect(load).toHaveBeenCalledTimes(2)
    warn.mockRestore()
  })

  it('reports a chunk that cannot be fetched, asks no more until retry, and fetches it again then', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const failure = new TypeError('Failed to fetch dynamically imported module')
    const load = vi.fn<() => Promise<SettingsScreen>>().mockRejectedValueOnce(failure).mockResolvedValueOnce(Settings)
    const screens = new LazyScreens(loaders(load))
    expect(screens.get('settings')).toBeUndefined()
    await settle()
    expect(screens.error('settings')).toBe(failure)
    expect(screens.get('settings')).toBeUndefined()
    expect(load).toHaveBeenCalledTimes(1)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('settings'), failure)

    screens.retry('settings')
    expect(screens.error('settings')).toBeUndefined()
    await settle()
    expect(screens.get('settings')).toBe(Settings)
    expect(load).toHaveBeenCalledTimes(2)
    warn.mockRestore()
  })
})

/** The tab's notifications (state/notifications.svelte.ts): the choices kept in localStorage, and reset() reading them again. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { notifications } from '../../../src/lib/state/notifications.svelte.ts'
import { MemoryStorage } from './storage-stub.ts'

let storage: MemoryStorage

beforeEach(() => {
  storage = new MemoryStorage()
  vi.stubGlobal('localStorage', storage)
  notifications.reset()
})

afterEach(() => {
  vi.unstubAllGlobals()
  notifications.reset()
})

describe('notifications', () => {
  it('without the Notification API: unsupported, never enabled, nothing offered', async () => {
    expect(notifications.permission).toBe('unsupported')
    expect(notifications.supported).toBe(false)
    expect(notifications.enabled).toBe(false)
    expect(notifications.offer).toBe(false)
    expect(notifications.unread.size).toBe(0)
    expect(notifications.totalUnread).toBe(0)
    expect(await notifications.turnOn()).toBe('This browser cannot show notifications.')
  })

  it('keeps the user\'s choices in localStorage; reset() reads them again', () => {
    notifications.turnOff()
    notifications.dismissOffer()
    expect(notifications.choice).toBe('off')
    expect(notifications.promptDismissed).toBe(true)
    expect(storage.getItem('parley.notifications')).toBe('off')
    expect(storage.getItem('parley.notifications.prompt')).toBe('dismissed')

    storage.clear()
    notifications.reset()
    expect(notifications.choice).toBe('unset')
    expect(notifications.promptDismissed).toBe(false)

    storage.setItem('parley.notifications', 'on')
    notifications.reset()
    expect(notifications.choice).toBe('on')
  })
})

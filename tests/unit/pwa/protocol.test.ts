import { describe, expect, it } from 'vitest'
import { isNotificationData, NAVIGATE_MESSAGE, navigateHref } from '../../../src/lib/pwa/protocol.ts'

describe('service worker messages', () => {
  it('opens only the chats list or a chat from a notification', () => {
    expect(isNotificationData({ href: '#/chat/12' })).toBe(true)
    expect(isNotificationData({ href: '#/' })).toBe(true)
    for (const href of ['javascript:alert(1)', 'https://evil.example/', '#/chat/0', '#/chat/1/../x', '//evil', 12]) {
      expect(isNotificationData({ href })).toBe(false)
    }
    expect(isNotificationData(null)).toBe(false)
  })

  it('reads a navigate message with a safe href only', () => {
    expect(navigateHref({ type: NAVIGATE_MESSAGE, href: '#/chat/3' })).toBe('#/chat/3')
    expect(navigateHref({ type: NAVIGATE_MESSAGE, href: 'https://evil.example/' })).toBeUndefined()
    expect(navigateHref({ type: 'other', href: '#/chat/3' })).toBeUndefined()
    expect(navigateHref('#/chat/3')).toBeUndefined()
  })
})

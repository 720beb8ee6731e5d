import { describe, expect, it } from 'vitest'
import { isNotificationData, NAVIGATE_MESSAGE, navigateHref } from '../../../src/lib/pwa/protocol.ts'

describe('service worker messages', () => {
  it('opens only the chats list, a chat or a group\'s chat from a notification', () => {
    expect(isNotificationData({ href: '#/chat/12' })).toBe(true)
    expect(isNotificationData({ href: '#/' })).toBe(true)
    expect(isNotificationData({ href: `#/group/${'0a'.repeat(16)}` })).toBe(true)
    for (const href of ['javascript:alert(1)', 'https://evil.example/', '#/chat/0', '#/chat/1/../x', '//evil', 12, `#/group/${'0A'.repeat(16)}`, '#/group/0a', `#/group/${'0a'.repeat(16)}/info`]) {
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

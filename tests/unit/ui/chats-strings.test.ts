import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale, t } from '../../../src/lib/i18n/index.ts'

afterEach(() => { setLocale('en') })

describe('unread counts in words', () => {
  it('reads well in English', () => {
    expect(t('chats.unread', { count: 1 })).toBe('1 unread message')
    expect(t('chats.unread', { count: 3 })).toBe('3 unread messages')
    expect(t('chats.unread', { count: 1200 })).toBe('1,200 unread messages')
  })

  it('takes the right Russian form for 1, 2, 5, 11, 21 and 22', () => {
    setLocale('ru')
    expect([1, 2, 5, 11, 21, 22].map(count => t('chats.unread', { count }))).toEqual([
      '1 непрочитанное сообщение',
      '2 непрочитанных сообщения',
      '5 непрочитанных сообщений',
      '11 непрочитанных сообщений',
      '21 непрочитанное сообщение',
      '22 непрочитанных сообщения'
    ])
  })
})

/** The words for a chat's disappearing-messages timer (contract CHAT_TIMERS; lib/i18n/messages/presence.ts). */
import { CHAT_TIMERS } from '../contract/methods/actions.ts'
import type { MessageKey } from '../i18n/index.ts'

export type ChatTimerSeconds = typeof CHAT_TIMERS[number]

const LONG: Record<ChatTimerSeconds, MessageKey> = {
  0: 'presence.timer0',
  300: 'presence.timer300',
  3600: 'presence.timer3600',
  86_400: 'presence.timer86400',
  604_800: 'presence.timer604800'
}

const SHORT: Record<Exclude<ChatTimerSeconds, 0>, MessageKey> = {
  300: 'presence.short300',
  3600: 'presence.short3600',
  86_400: 'presence.short86400',
  604_800: 'presence.short604800'
}

export function isChatTimer (seconds: number): seconds is ChatTimerSeconds {
  return (CHAT_TIMERS as readonly number[]).includes(seconds)
}

/** '5 minutes', '1 hour', …; undefined for a value no choice has (a newer client's). */
export function timerWords (seconds: number): MessageKey | undefined {
  return isChatTimer(seconds) ? LONG[seconds] : undefined
}

/** '5 min', '1 h', …, for the chat's header; undefined for off or an unknown value. */
export function timerShortWords (seconds: number): MessageKey | undefined {
  return isChatTimer(seconds) && seconds !== 0 ? SHORT[seconds] : undefined
}

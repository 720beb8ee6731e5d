/**
 * How a call kept in the chat (MessageRow kind 'call', p2p/calls/call-log.ts)
 * reads: "Missed voice call", "Outgoing video call" and so on, and how long
 * an answered one lasted.
 */
import type { CallOutcome, CallRecord, MessageDirection } from '../db/types.ts'
import { t, type MessageKey } from '../i18n/index.ts'
import { formatClock } from '../model/waveform.ts'

type Words = readonly [voice: MessageKey, video: MessageKey]

const WORDS: Record<Exclude<CallOutcome, 'answered' | 'declined'>, Words> = {
  missed: ['callLog.missed', 'callLog.missedVideo'],
  unanswered: ['callLog.unanswered', 'callLog.unansweredVideo'],
  cancelled: ['callLog.cancelled', 'callLog.cancelledVideo'],
  busy: ['callLog.busy', 'callLog.busyVideo'],
  failed: ['callLog.failed', 'callLog.failedVideo'],
  'answered-elsewhere': ['callLog.answeredElsewhere', 'callLog.answeredElsewhereVideo']
}
const ANSWERED: Record<MessageDirection, Words> = {
  out: ['callLog.outgoing', 'callLog.outgoingVideo'],
  in: ['callLog.incoming', 'callLog.incomingVideo']
}
const DECLINED: Record<MessageDirection, Words> = {
  out: ['callLog.declined', 'callLog.declinedVideo'],
  in: ['callLog.declinedByYou', 'callLog.declinedByYouVideo']
}

/** The key of the words for `call`, which went `direction` (ours: out). */
export function callRecordKey (call: CallRecord, direction: MessageDirection): MessageKey {
  const words = call.outcome === 'answered' ? ANSWERED[direction] : call.outcome === 'declined' ? DECLINED[direction] : WORDS[call.outcome]
  return words[call.video ? 1 : 0]
}

/** The call in words, with how long it lasted when it was answered ("Outgoing voice call, lasted 2:13"). */
export function callRecordText (call: CallRecord, direction: MessageDirection): string {
  const words = t(callRecordKey(call, direction))
  return call.durationMs === undefined ? words : `${words}, ${t('callLog.lasted', { duration: formatClock(call.durationMs) })}`
}

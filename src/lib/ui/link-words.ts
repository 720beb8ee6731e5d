/**
 * The words of linking a device that are more than one string: why a link
 * ended (every LinkEndReason, some differently when the other device said
 * so), and the confirmation code as it is shown. Its strings load with it
 * (lib/i18n/link.ts).
 */
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import type { LinkEndReason, LinkView } from '../contract/link-types.ts'
import '../i18n/link.ts'
import { t, type MessageKey } from '../i18n/index.ts'

/** One sentence per reason a link ends (type-checked: a new reason needs its words). */
export const LINK_END_WORDS: Readonly<Record<LinkEndReason, MessageKey>> = {
  declined: 'link.endDeclined',
  mismatch: 'link.endMismatch',
  busy: 'link.endBusy',
  expired: 'link.endExpired',
  used: 'link.endUsed',
  'bad-proof': 'link.endBadProof',
  'bad-list': 'link.endBadList',
  full: 'link.endFull',
  timeout: 'link.endTimeout',
  failed: 'link.endFailed',
  invalid: 'link.endInvalid',
  'bad-qr': 'link.endBadQr',
  closed: 'link.endClosed',
  'wrong-peer': 'link.endWrongPeer',
  'not-holder': 'link.endNotHolder',
  unreachable: 'link.endUnreachable',
  'too-big': 'link.endTooBig',
  'bad-code': 'link.endBadCode',
  'code-unknown': 'link.endCodeUnknown',
  'code-expired': 'link.endCodeExpired',
  'code-used': 'link.endCodeUsed',
  'code-unreachable': 'link.endCodeUnreachable'
}

/** Where the other device saying so reads differently ("The other device declined"). */
export const LINK_END_BY_PEER_WORDS: Readonly<Partial<Record<LinkEndReason, MessageKey>>> = {
  declined: 'link.endDeclinedByPeer',
  mismatch: 'link.endMismatchByPeer',
  busy: 'link.endBusyByPeer',
  'not-holder': 'link.endNotHolderByPeer'
}

/** Why a link ended, in words of the current language; a reason this tab does not know reads as a failure. */
export function linkEndText (reason: LinkEndReason | undefined, byPeer = false): string {
  const known = reason !== undefined && Object.hasOwn(LINK_END_WORDS, reason) ? reason : 'failed'
  const key = (byPeer ? LINK_END_BY_PEER_WORDS[known] : undefined) ?? LINK_END_WORDS[known]
  return t(key, { max: MAX_DEVICES })
}

/** The 6-digit code in two groups of three ("123 456"), easier to compare aloud; other lengths as they are. */
export function spacedCode (code: string): string {
  return /^\d{6}$/.test(code) ? `${code.slice(0, 3)} ${code.slice(3)}` : code
}

/** The transfer's progress in whole percent (0–100, rounded down: 100 only when all is there), or undefined while its total is not known. */
export function progressPercent (progress: LinkView['progress']): number | undefined {
  if (progress === undefined || !(progress.total > 0)) return undefined
  return Math.min(100, Math.max(0, Math.floor(progress.done / progress.total * 100)))
}

/**
 * What a call's tab reads of the browser in words: the call's connection
 * from getStats (round trip, sound lost, a TURN relay), and why the
 * microphone or camera could not be had.
 */
import { t } from '../i18n/index.ts'

/** The call's connection as getStats tells it (the quality line). */
export interface CallQuality {
  /** round-trip time of the selected candidate pair, in ms */
  rttMs?: number
  /** audio packets lost of those expected since the last reading, 0..1 */
  loss?: number
  /** the media go through a TURN relay (a candidate of type relay is in the selected pair) */
  turn: boolean
}

/** The words for a call's quality: good, fair or poor, with what it was judged by. */
export function qualityLevel (quality: CallQuality): 'good' | 'fair' | 'poor' {
  const rtt = quality.rttMs ?? 0
  const loss = quality.loss ?? 0
  if (rtt > 600 || loss > 0.1) return 'poor'
  if (rtt > 250 || loss > 0.03) return 'fair'
  return 'good'
}

/** The quality from one getStats reading; `last` is the audio counters of the reading before (loss counts since then). */
export function qualityFrom (reports: ReadonlyArray<Record<string, unknown>>, last: { received: number, lost: number }): { quality: CallQuality, audio: { received: number, lost: number } } {
  const byId = (id: unknown): Record<string, unknown> | undefined => reports.find(r => r['id'] === id)
  const transport = reports.find(r => r['type'] === 'transport')
  const pair = byId(transport?.['selectedCandidatePairId']) ?? reports.find(r => r['type'] === 'candidate-pair' && r['nominated'] === true && r['state'] === 'succeeded')
  const quality: CallQuality = { turn: false }
  if (pair !== undefined) {
    const rtt = pair['currentRoundTripTime']
    if (typeof rtt === 'number') quality.rttMs = Math.round(rtt * 1000)
    quality.turn = [pair['localCandidateId'], pair['remoteCandidateId']].some(id => byId(id)?.['candidateType'] === 'relay')
  }
  let audio = last
  const inbound = reports.find(r => r['type'] === 'inbound-rtp' && r['kind'] === 'audio')
  if (inbound !== undefined) {
    const received = Number(inbound['packetsReceived'] ?? 0)
    const lost = Math.max(0, Number(inbound['packetsLost'] ?? 0))
    const expected = (received - last.received) + (lost - last.lost)
    if (expected > 0) quality.loss = (lost - last.lost) / expected
    audio = { received, lost }
  }
  return { quality, audio }
}

/** The words for a refused or failed getUserMedia. */
export function mediaProblem (err: unknown): string {
  const name = err instanceof Error ? err.name : ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return t('calls.denied')
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('calls.noDevice')
  return t('calls.mediaFailed', { reason: err instanceof Error ? err.message : String(err) })
}

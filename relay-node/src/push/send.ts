/**
 * One push to a push service (RFC 8030): the payload encrypted to the
 * subscription (RFC 8291, aes128gcm) and the VAPID header (RFC 8292), both
 * made by the `web-push` library; the POST itself is made here, to the
 * registered endpoint and nowhere else: no redirect is followed, no proxy
 * is used, the answer's body is read up to PUSH_MAX_ANSWER_BYTES and thrown
 * away, and the whole exchange gives up after PUSH_TIMEOUT_MS.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import webpush from 'web-push'
import { PUSH_MAX_ANSWER_BYTES, PUSH_TIMEOUT_MS, PUSH_TOPIC, PUSH_TTL_S, PUSH_URGENCY } from './constants.ts'
import type { PushOutcome } from './scheduler.ts'
import type { PushSubscription } from './store.ts'
import type { VapidKeys } from './vapid.ts'

export interface PushSender {
  vapid: VapidKeys
  /** RFC 8292 `sub`: a mailto: or https: contact for the push services */
  contact: string
  timeoutMs?: number
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** The seconds of a Retry-After header (a number of seconds or an HTTP date), if any. */
function retryAfterMs (value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** What a status says about the subscription and this push. */
export function outcomeOf (status: number, retryAfter?: number): PushOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent' }
  if (status === 404 || status === 410) return { kind: 'gone', status }
  if (status === 429 || status >= 500) return { kind: 'retry', reason: status === 429 ? 'rate-limited' : 'server-error', ...(retryAfter === undefined ? {} : { afterMs: retryAfter }) }
  return { kind: 'refused', status }
}

/** POSTs `payload` (the padded plaintext) to `subscription`'s endpoint. */
export async function postPush (sender: PushSender, subscription: PushSubscription, payload: Uint8Array): Promise<PushOutcome> {
  const details = webpush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: { p256dh: b64(subscription.p256dh), auth: b64(subscription.auth) } },
    Buffer.from(payload),
    {
      vapidDetails: { subject: sender.contact, publicKey: b64(sender.vapid.publicKey), privateKey: b64(sender.vapid.privateKey) },
      TTL: PUSH_TTL_S,
      urgency: PUSH_URGENCY,
      topic: PUSH_TOPIC,
      contentEncoding: 'aes128gcm'
    })
  if (details.endpoint !== subscription.endpoint) throw new Error('web-push changed the endpoint')
  const url = new URL(subscription.endpoint)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const signal = AbortSignal.timeout(sender.timeoutMs ?? PUSH_TIMEOUT_MS)
  return await new Promise<PushOutcome>((resolve, reject) => {
    const req = send(url, { method: 'POST', headers: details.headers, signal, agent: false }, (res) => {
      let read = 0
      res.on('data', (chunk: Buffer) => {
        read += chunk.byteLength
        if (read > PUSH_MAX_ANSWER_BYTES) res.destroy()
      })
      res.on('close', () => { resolve(outcomeOf(res.statusCode ?? 0, retryAfterMs(res.headers['retry-after'], Date.now()))) })
      res.on('error', () => {})
    })
    req.on('error', (err) => { reject(signal.aborted ? Object.assign(new Error('the push service did not answer in time'), { name: 'TimeoutError' }) : err) })
    req.end(details.body)
  })
}

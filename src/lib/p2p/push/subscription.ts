/**
 * The subscription a tab hands the worker, checked before anything is stored
 * (a bad one changes nothing), and the bytes of base64url.
 */
import { fromBase64Url, toBase64Url } from '@parley/protocol/base64'
import { isP256Point } from '@parley/protocol/push/codec'
import { MAX_PUSH_ENDPOINT_BYTES, PUSH_AUTH_BYTES } from '@parley/protocol/push/constants'
import { errorClass } from '../../contract/errors.ts'
import type { PushSettingRow } from '../../db/types.ts'

/** The tab handed a subscription the relays could not take (`pushEndpointInvalid`, `pushKeyInvalid`). */
export const InvalidPushSubscriptionError = errorClass('InvalidPushSubscriptionError')

export interface PushSubscriptionInput {
  endpoint: string
  p256dh: Uint8Array
  auth: Uint8Array
  applicationServerKey: Uint8Array
}

export type StoredSubscription = NonNullable<PushSettingRow['subscription']>

export const b64 = (bytes: Uint8Array): string => toBase64Url(bytes)
export const unb64 = (text: string): Uint8Array => fromBase64Url(text)

/**
 * The subscription as stored (base64url keys). The endpoint must be an
 * http(s) URL of at most MAX_PUSH_ENDPOINT_BYTES: which ones a relay POSTs
 * to is the relay's to say (`bad-endpoint`, per relay).
 *
 * @throws InvalidPushSubscriptionError
 */
export function checkSubscription (input: PushSubscriptionInput): StoredSubscription {
  let url: URL | undefined
  try {
    url = new URL(input.endpoint)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || new TextEncoder().encode(input.endpoint).byteLength > MAX_PUSH_ENDPOINT_BYTES) {
    throw new InvalidPushSubscriptionError('pushEndpointInvalid', { max: MAX_PUSH_ENDPOINT_BYTES })
  }
  if (!isP256Point(input.p256dh)) throw new InvalidPushSubscriptionError('pushKeyInvalid', { key: 'p256dh' })
  if (input.auth.byteLength !== PUSH_AUTH_BYTES) throw new InvalidPushSubscriptionError('pushKeyInvalid', { key: 'auth' })
  if (!isP256Point(input.applicationServerKey)) throw new InvalidPushSubscriptionError('pushKeyInvalid', { key: 'applicationServerKey' })
  return { endpoint: input.endpoint, p256dh: b64(input.p256dh), auth: b64(input.auth), applicationServerKey: b64(input.applicationServerKey) }
}

export const sameSubscription = (a: StoredSubscription | null, b: StoredSubscription | null): boolean =>
  a === b || (a !== null && b !== null && a.endpoint === b.endpoint && a.p256dh === b.p256dh && a.auth === b.auth && a.applicationServerKey === b.applicationServerKey)

/**
 * The tests' push service (tests/support/push-service.ts) takes what a real
 * one takes and refuses the rest: a push from the web-push library with the
 * announced VAPID key (or the one its subscription was made with) decrypts
 * to its payload; a push signed by another key,
 * for another audience, or encrypted to another subscription is recorded
 * with what is wrong; asked statuses are answered in order.
 */
import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { TestPushService } from '../../support/push-service.ts'
import type { TestSubscription } from '../../support/push-service.ts'

let service: TestPushService
beforeEach(async () => { service = await TestPushService.start() })
afterEach(async () => { await service.close() })

const vapid = webpush.generateVAPIDKeys()
const keyBytes = (k: string): Uint8Array => new Uint8Array(Buffer.from(k, 'base64url'))

/** POSTs what web-push makes for `to`, over plain HTTP (web-push itself speaks https only). */
async function send (to: TestSubscription, payload: string, options: { vapid?: webpush.VapidKeys, audienceOf?: string, key?: TestSubscription } = {}): Promise<number> {
  const keys = options.vapid ?? vapid
  const encryptTo = options.key ?? to
  const details = webpush.generateRequestDetails(
    { endpoint: to.endpoint, keys: { p256dh: Buffer.from(encryptTo.p256dh).toString('base64url'), auth: Buffer.from(encryptTo.auth).toString('base64url') } },
    payload,
    { vapidDetails: { subject: 'mailto:ops@relay.example', publicKey: keys.publicKey, privateKey: keys.privateKey }, TTL: 60, urgency: 'high', topic: 'parley' })
  if (options.audienceOf !== undefined) {
    const other = webpush.getVapidHeaders(options.audienceOf, 'mailto:ops@relay.example', keys.publicKey, keys.privateKey, 'aes128gcm')
    details.headers['Authorization'] = other.Authorization
  }
  return await new Promise((resolve, reject) => {
    const req = request(details.endpoint, { method: 'POST', headers: details.headers }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
    req.end(details.body)
  })
}

describe('the tests\' push service', () => {
  it('decrypts a push signed with the announced key, sent to its origin', async () => {
    const sub = service.subscribe()
    service.expectVapidKey(keyBytes(vapid.publicKey))
    expect(await send(sub, 'hello, browser')).toBe(201)
    const [got] = service.pushesTo(sub.id)
    expect(got?.problems).toEqual([])
    expect(new TextDecoder().decode(got?.plaintext)).toBe('hello, browser')
    expect(got).toMatchObject({ ttl: '60', urgency: 'high', topic: 'parley', claims: { aud: service.origin, sub: 'mailto:ops@relay.example' } })
  })

  it('holds a subscription made with an applicationServerKey to that key, whatever key was announced', async () => {
    const bound = vapid
    const announced = webpush.generateVAPIDKeys()
    service.expectVapidKey(keyBytes(announced.publicKey))
    const sub = service.subscribe({ applicationServerKey: keyBytes(bound.publicKey) })
    await send(sub, 'signed with its own key', { vapid: bound })
    await send(sub, 'signed with the announced key', { vapid: announced })
    const [own, announcedOne] = service.pushesTo(sub.id)
    expect(own?.problems).toEqual([])
    expect(new TextDecoder().decode(own?.plaintext)).toBe('signed with its own key')
    expect(announcedOne?.problems).toContain('k is not the subscription\'s applicationServerKey (or the key the relay announced)')
  })

  it('records what is wrong with a push from another key, for another audience, or to other keys', async () => {
    const sub = service.subscribe()
    const other = service.subscribe()
    service.expectVapidKey(keyBytes(vapid.publicKey))
    await send(sub, 'a', { vapid: webpush.generateVAPIDKeys() })
    await send(sub, 'b', { audienceOf: 'https://push.example.net' })
    await send(sub, 'c', { key: other })
    const [byOtherKey, otherAudience, otherKeys] = service.pushesTo(sub.id)
    expect(byOtherKey?.problems).toContain('k is not the subscription\'s applicationServerKey (or the key the relay announced)')
    expect(otherAudience?.problems.join()).toMatch(/^aud https:\/\/push\.example\.net/)
    expect(otherKeys?.problems.join()).toMatch(/decryption/)
    expect(service.received.every(r => r.plaintext === undefined)).toBe(true)
  })

  it('answers the statuses a test asks for, in order, then 201', async () => {
    const sub = service.subscribe()
    service.expectVapidKey(keyBytes(vapid.publicKey))
    service.answerNext(sub.id, 429, 410)
    expect([await send(sub, 'x'), await send(sub, 'y'), await send(sub, 'z')]).toEqual([429, 410, 201])
  })
})

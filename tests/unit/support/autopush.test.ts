/**
 * The tests' push service toward Firefox (tests/support/autopush.ts), with a
 * client here that speaks as gecko's PushServiceWebSocket does: hello gives
 * a uaid, register an endpoint on the service's origin; a push POSTed there
 * with the key the browser subscribed with reaches the browser as autopush
 * sends it (the body unchanged, base64url, `encoding: aes128gcm`), again on
 * the next hello until acknowledged, or once released when held; one signed
 * by another key does not; unregister forgets the endpoint.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { WebSocket } from 'ws'
import { TestPushService } from '../../support/push-service.ts'

let service: TestPushService
const open: WebSocket[] = []
beforeEach(async () => { service = await TestPushService.start() })
afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate()
  await service.close()
})

const vapid = webpush.generateVAPIDKeys()

/** A browser's push client: its socket and the frames it got, in order. */
async function browser (): Promise<{ ws: WebSocket, next: () => Promise<Record<string, unknown>>, send: (m: object) => void }> {
  const ws = new WebSocket(service.serverUrl, 'push-notification')
  open.push(ws)
  const frames: Array<Record<string, unknown>> = []
  const waiting: Array<(m: Record<string, unknown>) => void> = []
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as Record<string, unknown>
    const waiter = waiting.shift()
    if (waiter !== undefined) waiter(message)
    else frames.push(message)
  })
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return {
    ws,
    send: (m) => { ws.send(JSON.stringify(m)) },
    next: async () => frames.shift() ?? await new Promise(resolve => { waiting.push(resolve) })
  }
}

/** POSTs what web-push makes for a subscription with `endpoint` (keys of our own), signed by `keys`. */
async function post (endpoint: string, keys: webpush.VapidKeys = vapid): Promise<{ status: number, body: Buffer }> {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const details = webpush.generateRequestDetails(
    { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } },
    'x'.repeat(128),
    { vapidDetails: { subject: 'mailto:ops@relay.example', publicKey: keys.publicKey, privateKey: keys.privateKey }, TTL: 60 })
  const body = Buffer.from(details.body as Buffer)
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(details.endpoint, { method: 'POST', headers: details.headers }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
    req.end(body)
  })
  return { status, body }
}

/** hello and register as Firefox sends them; the uaid and the endpoint. */
async function subscribe (client: Awaited<ReturnType<typeof browser>>, uaid?: string): Promise<{ uaid: string, endpoint: string, channelID: string }> {
  client.send({ messageType: 'hello', use_webpush: true, broadcasts: {}, ...(uaid === undefined ? {} : { uaid }) })
  const hello = await client.next()
  expect(hello).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true })
  const channelID = crypto.randomUUID()
  // Firefox sends the applicationServerKey padded
  client.send({ messageType: 'register', channelID, key: Buffer.from(vapid.publicKey, 'base64url').toString('base64').replace(/\+/g, '-').replace(/\//g, '_') })
  const registered = await client.next()
  expect(registered).toMatchObject({ messageType: 'register', channelID, status: 200 })
  return { uaid: String(hello['uaid']), endpoint: String(registered['pushEndpoint']), channelID }
}

describe('the tests\' push service toward Firefox (autopush)', () => {
  it('hands out an endpoint the relay POSTs to and brings the push to the browser as autopush does, until acknowledged', async () => {
    const client = await browser()
    const { endpoint, channelID } = await subscribe(client)
    expect(endpoint).toMatch(new RegExp(`^${service.origin}/push/[0-9a-f]{24}$`))
    const [subscription] = service.browsers.subscriptions()
    expect(Buffer.from(subscription?.key ?? []).toString('base64url')).toBe(vapid.publicKey)

    const { status, body } = await post(endpoint)
    expect(status).toBe(201)
    const notification = await client.next()
    expect(notification).toMatchObject({ messageType: 'notification', channelID, headers: { encoding: 'aes128gcm' } })
    expect(Buffer.from(String(notification['data']), 'base64url')).toEqual(body)
    expect(service.received.at(-1)?.problems).toEqual([])

    client.send({ messageType: 'ack', updates: [{ channelID, version: notification['version'], code: 100 }] })
    await service.browsers.until(() => service.browsers.deliveries[0]?.code !== undefined, 5000)
    expect(service.browsers.deliveries).toEqual([expect.objectContaining({ version: notification['version'], code: 100 })])

    // a ping is answered with a pong
    client.send({})
    expect(await client.next()).toEqual({})
  })

  it('keeps a push for a browser away and sends it at its hello with its uaid; an acknowledged one not again', async () => {
    const first = await browser()
    const { uaid, endpoint, channelID } = await subscribe(first)
    first.ws.close()
    await new Promise(resolve => first.ws.once('close', resolve))
    expect((await post(endpoint)).status).toBe(201)
    expect(service.browsers.deliveries[0]?.sentAt).toBeUndefined()

    const again = await browser()
    again.send({ messageType: 'hello', uaid, use_webpush: true, broadcasts: {} })
    expect(await again.next()).toMatchObject({ messageType: 'hello', uaid })
    const notification = await again.next()
    expect(notification).toMatchObject({ messageType: 'notification', channelID })
    again.send({ messageType: 'ack', updates: [{ channelID, version: notification['version'], code: 100 }] })
    await service.browsers.until(() => service.browsers.deliveries[0]?.code === 100, 5000)

    const third = await browser()
    third.send({ messageType: 'hello', uaid, use_webpush: true, broadcasts: {} })
    expect(await third.next()).toMatchObject({ messageType: 'hello', uaid })
    third.send({})
    // the pong comes first: nothing was sent again
    expect(await third.next()).toEqual({})
  })

  it('holds pushes for a connected browser until released, as for a browser that is away', async () => {
    const client = await browser()
    const { endpoint, channelID } = await subscribe(client)
    service.browsers.hold()
    expect((await post(endpoint)).status).toBe(201)
    // taken (and waited for by `until`), not sent: the pong comes first
    await service.browsers.until(() => service.browsers.deliveries.length === 1, 5000)
    expect(service.browsers.deliveries[0]?.sentAt).toBeUndefined()
    client.send({})
    expect(await client.next()).toEqual({})

    service.browsers.release()
    expect(await client.next()).toMatchObject({ messageType: 'notification', channelID, version: service.browsers.deliveries[0]?.version })
    expect(service.browsers.deliveries[0]?.sentAt).toBeTypeOf('number')
  })

  it('refuses to pass on a push signed by another key than the browser subscribed with, and forgets an unregistered endpoint', async () => {
    const client = await browser()
    const { endpoint, channelID } = await subscribe(client)
    expect((await post(endpoint, webpush.generateVAPIDKeys())).status).toBe(201)
    expect(service.received.at(-1)?.problems).toContain('k is not the subscription\'s applicationServerKey (or the key the relay announced)')
    expect(service.browsers.deliveries).toEqual([])

    client.send({ messageType: 'unregister', channelID, code: 200 })
    expect(await client.next()).toMatchObject({ messageType: 'unregister', channelID, status: 200 })
    expect(service.browsers.subscriptions()).toEqual([])
    expect((await post(endpoint)).status).toBe(404)
  })

  it('asks for hello first and takes only the push-notification subprotocol', async () => {
    const client = await browser()
    client.send({ messageType: 'register', channelID: 'x' })
    const code = await new Promise<number>(resolve => client.ws.once('close', resolve))
    expect(code).toBe(4001)
    const other = new WebSocket(service.serverUrl, 'chat')
    open.push(other)
    await expect(new Promise((resolve, reject) => { other.once('open', resolve); other.once('error', reject) })).rejects.toThrow()
  })
})

/**
 * `/parley/mailbox/1.0.0` through a real relay: items are sealed by the
 * sender (the app's seal), deposited, and only the recipient can list, fetch
 * and delete them; what the relay keeps on disk says nothing of their content.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import { open, seal } from '@parley/protocol/mailbox/seal'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { MAILBOX_PROTOCOL, MAX_ITEM_BYTES, MAX_REQUEST_BYTES, MailboxRefusedError, decodeReply } from '@parley/protocol/mailbox/codec'
import { createHash } from 'node:crypto'
import { MAILBOX_DIR } from '../src/constants.ts'
import { itemHandle } from '../src/mailbox/store.ts'
import { client, dataDir, defer, metric, relay, useRelayTestDir } from './helpers.ts'
import type { RelayNode } from '../src/index.ts'
import type { Connection, Ed25519PrivateKey, Libp2p } from '@libp2p/interface'

useRelayTestDir()

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const randomId = (): Uint8Array => crypto.getRandomValues(new Uint8Array(16))

interface Person { node: Libp2p, connection: Connection, secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

/** A client connected to the relay, with its identity keys at hand (the app's node has the same). */
async function person (r: { multiaddrs: string[] }): Promise<Person> {
  const node = await client()
  const connection = await node.dial(multiaddr(r.multiaddrs[0] ?? ''))
  // libp2p keeps the private key in its components; the app holds its own copy in the profile
  const key = (node as unknown as { components: { privateKey: Ed25519PrivateKey } }).components.privateKey
  return { node, connection, secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: node.peerId.toMultihash().bytes }
}

/** What the recipient lists, fetches and deletes an item by: its handle, from the depositor and its id. */
const handle = (from: Person, id: Uint8Array): Uint8Array => itemHandle(from.multihash, id)
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const sealFor = (from: Person, to: Person, payload: string): Uint8Array =>
  seal(text(payload), { senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash })

async function filesUnder (dir: string): Promise<Buffer> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true })
  return Buffer.concat(await Promise.all(names.filter(n => n.isFile()).map(async n => readFile(join(n.parentPath, n.name)))))
}

describe('mailbox', () => {
  it('keeps a sealed item for its recipient, who lists, fetches, opens and deletes it; the relay\'s files hold no plaintext', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, bob] = [await person(r), await person(r)]
    const secret = 'the plaintext nobody but Bob may read'
    const id = randomId()
    const deposited = await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, secret) })
    expect(deposited.duplicate).toBe(false)
    expect(deposited.expiresAt - deposited.storedAt).toBe(14 * 24 * 3600_000)
    // again, the same id: stored once
    expect((await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, secret) })).duplicate).toBe(true)

    const disk = await filesUnder(join(dataDir, MAILBOX_DIR))
    expect(disk.byteLength).toBeGreaterThan(0)
    expect(disk.includes(Buffer.from(secret))).toBe(false)
    expect(disk.includes(Buffer.from('plaintext'))).toBe(false)

    const listed = await mailboxRequest(bob.connection, { op: 'list', limit: 10 })
    expect(listed.more).toBe(false)
    expect(listed.items.map(i => hexOf(i.id))).toEqual([hexOf(handle(alice, id))])
    const fetched = await mailboxRequest(bob.connection, { op: 'fetch', ids: [handle(alice, id)] })
    const opened = open(fetched.items[0]?.item ?? new Uint8Array(0), bob.secret, bob.multihash)
    expect(new TextDecoder().decode(opened.payload)).toBe(secret)
    expect(opened.senderPublic).toEqual(alice.publicKey)

    // the depositor's own id is not the handle: it deletes nothing
    expect((await mailboxRequest(bob.connection, { op: 'delete', ids: [id] })).deleted).toBe(0)
    expect((await mailboxRequest(bob.connection, { op: 'delete', ids: [handle(alice, id)] })).deleted).toBe(1)
    expect((await mailboxRequest(bob.connection, { op: 'list', limit: 10 })).items).toEqual([])
    expect(await metric(r, 'parley_mailbox_deposits_total{duplicate="false"}')).toBe(1)
    expect(await metric(r, 'parley_mailbox_deposits_total{duplicate="true"}')).toBe(1)
    expect(await metric(r, 'parley_mailbox_fetched_total')).toBe(1)
    expect(await metric(r, 'parley_mailbox_deleted_total')).toBe(1)
    expect(await metric(r, 'parley_mailbox_items')).toBe(0)
  })

  it('lets nobody else list, fetch or delete a recipient\'s items', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const [alice, bob, carol] = [await person(r), await person(r), await person(r)]
    const id = randomId()
    await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, 'for Bob') })
    // Carol asks with Bob's handles: she only ever reaches her own mailbox, which is empty
    expect((await mailboxRequest(carol.connection, { op: 'list', limit: 10 })).items).toEqual([])
    expect((await mailboxRequest(carol.connection, { op: 'fetch', ids: [handle(alice, id)] })).items).toEqual([])
    expect((await mailboxRequest(carol.connection, { op: 'delete', ids: [handle(alice, id)] })).deleted).toBe(0)
    // the sender cannot take it back or read it either
    expect((await mailboxRequest(alice.connection, { op: 'fetch', ids: [handle(alice, id)] })).items).toEqual([])
    expect((await mailboxRequest(bob.connection, { op: 'list', limit: 10 })).items).toHaveLength(1)
  })

  it('refuses with a code, stores nothing and counts it: over the recipient\'s quota, a recipient that is not a PeerID', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0, mailboxRecipientItems: 2 })
    const [alice, bob] = [await person(r), await person(r)]
    const ids = [randomId(), randomId(), randomId()]
    for (const id of ids.slice(0, 2)) await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, 'x') })
    await expect(mailboxRequest(alice.connection, { op: 'deposit', id: ids[2] ?? randomId(), recipient: bob.multihash, item: sealFor(alice, bob, 'x') }))
      .rejects.toMatchObject({ name: 'MailboxRefusedError', code: 'recipient-quota' })
    await expect(mailboxRequest(alice.connection, { op: 'deposit', id: randomId(), recipient: text('not a peer id'), item: text('x') }))
      .rejects.toMatchObject({ code: 'bad-request', reason: 'the recipient is not an Ed25519 PeerID' })
    expect((await mailboxRequest(bob.connection, { op: 'list', limit: 10 })).items).toHaveLength(2)
    expect(await metric(r, 'parley_mailbox_rejections_total{code="recipient-quota"}')).toBe(1)
    expect(await metric(r, 'parley_mailbox_rejections_total{code="bad-request"}')).toBe(1)
    expect(await metric(r, 'parley_mailbox_share_rejections_total')).toBe(0)
  })

  it('keys items by depositor and id: a squatted contact-request id does not block the real sender (issue 57)', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, bob, mallory] = [await person(r), await person(r), await person(r)]
    // the id of Alice's request to Bob is made of public strings (docs/protocols.md, "Contact hellos")
    const requestId = createHash('sha256').update(`parley/mailbox/hello/request/${alice.node.peerId.toString()}`).digest().subarray(0, 16)
    // Mallory deposits under it first, for Bob
    expect((await mailboxRequest(mallory.connection, { op: 'deposit', id: requestId, recipient: bob.multihash, item: sealFor(mallory, bob, 'squat') })).duplicate).toBe(false)
    // Alice's own request under that id is stored, not refused as a conflict, and is no duplicate of Mallory's
    expect((await mailboxRequest(alice.connection, { op: 'deposit', id: requestId, recipient: bob.multihash, item: sealFor(alice, bob, 'request') })).duplicate).toBe(false)
    expect((await mailboxRequest(alice.connection, { op: 'deposit', id: requestId, recipient: bob.multihash, item: sealFor(alice, bob, 'request') })).duplicate).toBe(true)
    const listed = await mailboxRequest(bob.connection, { op: 'list', limit: 10 })
    expect(listed.items.map(i => hexOf(i.id))).toEqual([hexOf(handle(mallory, requestId)), hexOf(handle(alice, requestId))])
    const fetched = await mailboxRequest(bob.connection, { op: 'fetch', ids: listed.items.map(i => i.id) })
    expect(fetched.items.map(i => new TextDecoder().decode(open(i.item, bob.secret, bob.multihash).payload))).toEqual(['squat', 'request'])
    expect(await metric(r, 'parley_mailbox_rejections_total{code="conflict"}')).toBe(0)
  })

  it('gives one depositor a share of a recipient\'s quota: a flood from one PeerID leaves room for the others (issue 57)', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0, mailboxRecipientItems: 6, mailboxShareItems: 3 })
    const [alice, bob, mallory] = [await person(r), await person(r), await person(r)]
    const flood = async (): Promise<unknown> => mailboxRequest(mallory.connection, { op: 'deposit', id: randomId(), recipient: bob.multihash, item: sealFor(mallory, bob, 'spam') })
    for (let i = 0; i < 3; i++) await flood()
    await expect(flood()).rejects.toMatchObject({ code: 'recipient-quota', reason: /your share of its mailbox/ })
    await expect(flood()).rejects.toMatchObject({ code: 'recipient-quota' })
    // Alice still gets through
    for (let i = 0; i < 3; i++) expect((await mailboxRequest(alice.connection, { op: 'deposit', id: randomId(), recipient: bob.multihash, item: sealFor(alice, bob, `hi ${i}`) })).duplicate).toBe(false)
    expect((await mailboxRequest(bob.connection, { op: 'list', limit: 10 })).items).toHaveLength(6)
    expect(await metric(r, 'parley_mailbox_share_rejections_total')).toBe(2)
    expect(await metric(r, 'parley_mailbox_rejections_total{code="recipient-quota"}')).toBe(2)
  })

  it('answers a malformed request with bad-request, an item or a frame over the limit with too-large (unread), resets each, and keeps serving', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [bob] = [await person(r)]
    const garbage = await bob.connection.newStream(MAILBOX_PROTOCOL)
    const frames = lpStream(garbage)
    await frames.write(Uint8Array.of(0x09, 1, 2, 3))
    const reply = await frames.read({ signal: AbortSignal.timeout(5000) })
    expect(() => decodeReply('list', reply.subarray())).toThrow(new MailboxRefusedError('bad-request', 'a mailbox request: unknown operation 9'))
    await vi.waitFor(() => { expect(garbage.status).not.toBe('open') }, { timeout: 5000 })

    // a deposit whose item is one byte over the limit, in a frame the relay still reads
    const overItem = await bob.connection.newStream(MAILBOX_PROTOCOL)
    const item = lpStream(overItem, { maxDataLength: 2 * MAX_REQUEST_BYTES })
    const request = new Uint8Array(1 + 16 + 1 + bob.multihash.byteLength + MAX_ITEM_BYTES + 1).fill(7)
    request.set([0x01, ...randomId(), bob.multihash.byteLength, ...bob.multihash])
    expect(request.byteLength).toBeLessThanOrEqual(MAX_REQUEST_BYTES)
    await item.write(request)
    const itemReply = await item.read({ signal: AbortSignal.timeout(5000) })
    expect(() => decodeReply('deposit', itemReply.subarray())).toThrow(new MailboxRefusedError('too-large', `a mailbox request: the item is over ${MAX_ITEM_BYTES} bytes`))
    await vi.waitFor(() => { expect(overItem.status).not.toBe('open') }, { timeout: 5000 })

    // a frame over the request limit: answered from its length prefix alone
    const oversized = await bob.connection.newStream(MAILBOX_PROTOCOL)
    const big = lpStream(oversized, { maxDataLength: 2 * MAX_REQUEST_BYTES })
    await big.write(new Uint8Array(MAX_REQUEST_BYTES + 1).fill(1)).catch(() => {})
    const bigReply = await big.read({ signal: AbortSignal.timeout(5000) })
    expect(() => decodeReply('deposit', bigReply.subarray())).toThrow(new MailboxRefusedError('too-large', `a request frame is at most ${MAX_REQUEST_BYTES} bytes`))
    await vi.waitFor(() => { expect(oversized.status).not.toBe('open') }, { timeout: 5000 })

    // the relay and Bob's connection are fine, and nothing was stored
    expect(r.node.status).toBe('started')
    expect((await mailboxRequest(bob.connection, { op: 'list', limit: 1 })).items).toEqual([])
    expect(await metric(r, 'parley_mailbox_rejections_total{code="too-large"}')).toBe(2)
    expect(await metric(r, 'parley_mailbox_rejections_total{code="bad-request"}')).toBe(1)
  })

  it('says unavailable while the relay drains', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const [alice, bob] = [await person(r), await person(r)]
    void r.drain(60_000)
    await expect(mailboxRequest(alice.connection, { op: 'deposit', id: randomId(), recipient: bob.multihash, item: text('x') }))
      .rejects.toMatchObject({ code: 'unavailable' })
  })

  it('keeps items across a restart', async () => {
    const first = await relay({ webrtcDirectPort: null })
    const [alice, bob] = [await person(first), await person(first)]
    const id = randomId()
    await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, 'still here') })
    await first.stop()
    const second: RelayNode = await relay({ webrtcDirectPort: null })
    const connection = await bob.node.dial(multiaddr(second.multiaddrs[0] ?? ''))
    const fetched = await mailboxRequest(connection, { op: 'fetch', ids: [handle(alice, id)] })
    expect(new TextDecoder().decode(open(fetched.items[0]?.item ?? new Uint8Array(0), bob.secret, bob.multihash).payload)).toBe('still here')
  })

  it('has every acknowledged item on disk: a relay-node process killed right after the acknowledgement still has it', async () => {
    const process1 = await spawnRelay({ dataDir, webrtcDirectPort: 'off' })
    defer(async () => process1.stop('SIGKILL'))
    const [alice, bob] = [await person(process1), await person(process1)]
    const ids = Array.from({ length: 5 }, randomId)
    for (const [i, id] of ids.entries()) await mailboxRequest(alice.connection, { op: 'deposit', id, recipient: bob.multihash, item: sealFor(alice, bob, `message ${i}`) })
    process1.kill()
    expect(await process1.exited).toBeNull()

    const process2 = await spawnRelay({ dataDir, webrtcDirectPort: 'off' })
    defer(async () => process2.stop())
    const connection = await bob.node.dial(multiaddr(process2.multiaddrs[0] ?? ''))
    const listed = await mailboxRequest(connection, { op: 'list', limit: 10 })
    expect(listed.items.map(i => hexOf(i.id))).toEqual(ids.map(id => hexOf(handle(alice, id))))
    const fetched = await mailboxRequest(connection, { op: 'fetch', ids: ids.map(id => handle(alice, id)) })
    expect(fetched.items.map(i => new TextDecoder().decode(open(i.item, bob.secret, bob.multihash).payload))).toEqual(ids.map((_, i) => `message ${i}`))
  })
})

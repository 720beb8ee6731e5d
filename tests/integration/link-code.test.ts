/**
 * Linking a device by its short code (issue 58; docs/protocols.md, "The
 * short code"), in the worker's nodes against a real relay-node: the new
 * browser N shows a 12-character code under its QR code, its offer sealed on
 * the relay under the code's id; Alice's laptop types it (any case, with
 * spaces), fetches and opens the offer, and the link goes on as from a
 * scanned one: the same confirmation code on both, then N holds the account.
 * A used, withdrawn, unknown or mistyped code ends with its reason and
 * stores nothing; N renews its deposit on its clock while the code is shown.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LINK_QR_TTL_MS } from '@parley/protocol/link/constants'
import { parseLinkQr } from '@parley/protocol/link/qr'
import { newShortCode } from '@parley/protocol/link-code/short-code'
import { getAccount } from '../../src/lib/db/account.ts'
import { LINK_CODE_RENEW_MS } from '../../src/lib/p2p/link/code-relays.ts'
import { peerIdOf, startHarness, WAIT } from './harness.ts'
import { startAlice, startBlank, stopBlanks, stored } from './link-support.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness({ relay: { metricsPort: 0 } }) })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

/** One sample of the relay's /metrics. */
async function metric (sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${harness.relay.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

describe('linking a device by its short code', () => {
  it('typed on A, the code fetches N\'s offer from the relay and the link goes on as from a scanned one', async () => {
    const { alice, groupId } = await startAlice(harness, 20)
    const n = await startBlank(harness)
    const waiting = await n.node.call('linkAsNewDevice', undefined)
    expect(waiting.shortCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    expect(await metric('parley_link_rendezvous_entries')).toBe(1)

    // typed as a person might: lower case, spaces for hyphens
    const typed = ` ${(waiting.shortCode ?? '').toLowerCase().replaceAll('-', ' ')} `
    const confirm = await alice.node.call('linkByCode', { code: typed })
    expect(confirm).toMatchObject({ role: 'existing', phase: 'confirm', device: parseLinkQr(waiting.qr ?? '').peerId })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'confirm', code: confirm.code, accountName: 'Alice' }) }, WAIT)
    // the hello came: N withdrew its offer, the code is spent
    await vi.waitFor(async () => { expect(await metric('parley_link_rendezvous_entries')).toBe(0) }, WAIT)

    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
    const account = await getAccount(n.db)
    expect(account).toMatchObject({ account: peerIdOf(alice), holder: false })
    expect(await n.db.groups.get(groupId)).toBeDefined()
    expect(await n.db.messages.count()).toBe(await alice.db.messages.count())

    // the same code again: used (N withdrew it), nothing starts
    expect(await alice.node.call('linkByCode', { code: waiting.shortCode ?? '' })).toMatchObject({ phase: 'ended', reason: 'code-used' })
  })

  it('a code no relay holds, and one with a typo, end with their reasons; nothing is dialled or stored', async () => {
    const { alice } = await startAlice(harness, 5)
    const before = await stored(alice.db)
    expect(await alice.node.call('linkByCode', { code: newShortCode() })).toMatchObject({ phase: 'ended', reason: 'code-unknown' })
    const n = await startBlank(harness)
    const { shortCode } = await n.node.call('linkAsNewDevice', undefined)
    const code = shortCode ?? ''
    const typo = `${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`
    expect(await alice.node.call('linkByCode', { code: typo })).toMatchObject({ phase: 'ended', reason: 'bad-code' })
    expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'waiting' })
    expect(await stored(alice.db)).toEqual(before)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
  })

  it('N renews its deposit on its clock while the code is shown, and withdraws it when the code expires', async () => {
    const { alice } = await startAlice(harness, 5)
    const n = await startBlank(harness)
    let offset = 0
    n.node.components.links.useClock(() => Date.now() + offset)
    const { shortCode } = await n.node.call('linkAsNewDevice', undefined)
    expect(await metric('parley_link_rendezvous_puts_total')).toBe(1)
    offset = LINK_CODE_RENEW_MS
    await n.node.components.links.tick()
    expect(await metric('parley_link_rendezvous_puts_total')).toBe(2)
    expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'waiting', shortCode })
    offset = LINK_QR_TTL_MS
    await n.node.components.links.tick()
    expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'expired' })
    await vi.waitFor(async () => { expect(await metric('parley_link_rendezvous_withdrawn_total')).toBe(1) }, WAIT)
    // withdrawn: the relay says so, and A says the code is no longer offered
    expect(await alice.node.call('linkByCode', { code: shortCode ?? '' })).toMatchObject({ phase: 'ended', reason: 'code-used' })
  })
})

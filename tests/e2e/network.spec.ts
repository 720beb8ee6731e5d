import { createServer } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from './fixtures.ts'
import { onboard, openScreen } from './helpers/parley.ts'
import { metric } from './helpers/relay-metrics.ts'
import type { RelayFixture } from './fixtures.ts'
import type { Locator, Page } from '@playwright/test'

/**
 * The Network panel: the relay list (status, last connected, RTT, failures),
 * adding a relay by hand, testing it, removing it; clear words for a garbage
 * address and for one nobody answers at.
 *
 * Two relay-nodes run; `/config.json` names only the first, so the second is
 * one the user adds. Both serve `/metrics`, which shows from the relay's side
 * that the browser really hung up.
 */
test.use({ relayCount: 2, servedRelays: 1, relayMetrics: true })

function relayList (page: Page): Locator {
  return page.getByRole('list', { name: 'Relays' }).getByRole('listitem')
}

function relayItem (page: Page, address: string): Locator {
  return relayList(page).filter({ hasText: address })
}

async function openNetwork (page: Page): Promise<void> {
  await openScreen(page, 'Network')
  await expect(page.getByRole('heading', { name: 'Network', level: 1 })).toBeVisible()
}

async function addRelay (page: Page, address: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a relay' })
  await form.getByLabel('Relay address').fill(address)
  await form.getByRole('button', { name: 'Add relay' }).click()
}

/** Open connections the relay-node counts now (its `/metrics`). */
async function relayConnections (relay: RelayFixture): Promise<number> {
  return metric(relay, 'parley_relay_connections')
}

/** A loopback TCP port nothing listens on: bound, then released. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  if (address === null || typeof address === 'string') throw new Error('no TCP port')
  return address.port
}

/** The fixture's two relay-nodes: the served one, then the one to add. */
function pair (relays: RelayFixture[]): [RelayFixture, RelayFixture] {
  const [first, second] = relays
  if (first == null || second == null) throw new Error('two relay-nodes expected (relayCount: 2)')
  return [first, second]
}

test.describe('the Network panel', () => {
  test('add a relay, test it (RTT shown), remove it (the node hangs up); garbage and unreachable addresses are refused in words', async ({ alice, relays }) => {
    const [first, second] = pair(relays)
    const served = first.wsMultiaddrs[0] ?? ''
    const added = second.wsMultiaddrs[0] ?? ''
    const page = alice.page
    await onboard(page, 'Alice')
    await openNetwork(page)

    // the shipped relay, with a reservation of ours
    await expect(relayList(page)).toHaveCount(1)
    await expect(relayItem(page, served)).toContainText('Comes with the app')
    await expect(relayItem(page, served)).toContainText('Connected; contacts can reach you through it')
    await expect(page.getByRole('region', { name: 'Reachability' })).toContainText(/Reachable through relays only \(1 reservation\)/)
    await expect(page.getByRole('region', { name: 'DHT' })).toContainText(/Not running|Running/)
    // shortened on screen (the PeerIDs cut to their ends), whole when shown in full
    const own = page.getByRole('list', { name: 'Your addresses' }).getByRole('listitem').first()
    await expect(own).not.toContainText(served)
    await expect(own.locator('[data-address]')).toHaveAttribute('data-address', new RegExp(`^${served.replaceAll('.', '\\.')}/p2p-circuit/p2p/12D3KooW\\w+$`))
    await page.getByRole('button', { name: 'Show them in full' }).click()
    await expect(own).toContainText(`${served}/p2p-circuit`)
    const relayConnection = page.getByRole('list', { name: 'Connections' }).locator(`li[data-peer="${first.process.peerId}"]`)
    await expect(relayConnection.first()).toContainText(`Relay ${first.process.peerId.slice(0, 8)}…${first.process.peerId.slice(-4)}`)
    await expect(relayConnection.first()).toContainText('direct, WebSocket')

    // garbage: the problem next to the field, nothing added
    await addRelay(page, 'relay.example.org:443')
    const field = page.getByLabel('Relay address')
    await expect(field).toHaveAttribute('aria-invalid', 'true')
    await expect(field).toHaveAccessibleDescription('The relay address "relay.example.org:443" is not a full multiaddr ending in /p2p/<PeerID>.')
    // one a browser cannot dial: says which part and what would work
    await addRelay(page, `/ip4/127.0.0.1/tcp/4001/p2p/${second.process.peerId}`)
    await expect(field).toHaveAccessibleDescription(/is plain TCP, which a browser cannot dial; use the relay's WebSocket/)
    await expect(relayList(page)).toHaveCount(1)

    // the second relay-node: added, connected at once, tested
    await addRelay(page, added)
    await expect(page.getByRole('form', { name: 'Add a relay' }).getByRole('status')).toHaveText(`Added ${added}. Parley connects to it now.`)
    await expect(field).toHaveValue('')
    await expect(field).toHaveAttribute('aria-invalid', 'false')
    await expect(relayList(page)).toHaveCount(2)
    const item = relayItem(page, added)
    await expect(item).toContainText('Added by you')
    await expect(item).toContainText(/Connected/)
    await expect.poll(async () => relayConnections(second)).toBeGreaterThan(0)

    await item.getByRole('button', { name: `Test ${added}` }).click()
    await expect(item.getByRole('status', { name: `Test of ${added}` })).toHaveText(/^Works: round trip \d+ ms\.$/, { timeout: 15_000 })
    await expect(item).toContainText(/Round trip\s*\d+ ms/)
    await expect(item).toContainText(/Failures\s*0/)

    // fits a 360 px phone: long addresses wrap, nothing scrolls sideways
    await page.setViewportSize({ width: 360, height: 740 })
    // (main and its panes, each of which scrolls on its own)
    await expect.poll(async () => page.evaluate<boolean>('(() => { const s = [...document.querySelectorAll("main, main > *")]; return s.length > 1 && s.every(m => m.scrollWidth <= m.clientWidth) })()')).toBe(true)

    // adding it again: refused in words
    await addRelay(page, added)
    await expect(page.getByRole('form', { name: 'Add a relay' }).getByRole('alert')).toHaveText('This relay is already in your list.')

    // removed: gone from the list, and the relay-node sees the browser hang up
    await item.getByRole('button', { name: `Remove ${added}` }).click()
    await expect(relayList(page)).toHaveCount(1)
    await expect(relayItem(page, added)).toHaveCount(0)
    await expect.poll(async () => relayConnections(second), { timeout: 15_000 }).toBe(0)
    await expect(page.getByRole('list', { name: 'Connections' }).locator(`li[data-peer="${second.process.peerId}"]`)).toHaveCount(0)
    // the shipped relay is untouched
    await expect(relayItem(page, served)).toContainText('Connected; contacts can reach you through it')

    // well-formed, but nothing listens there: the test says so in words (a PeerID
    // of nobody, so that no connection the node has to a known peer can stand in)
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const nowhere = `/ip4/127.0.0.1/tcp/${await closedPort()}/ws/p2p/${nobody}`
    await addRelay(page, nowhere)
    const unreachable = relayItem(page, nowhere)
    await expect(unreachable).toHaveCount(1)
    await unreachable.getByRole('button', { name: `Test ${nowhere}` }).click()
    await expect(unreachable.getByRole('status', { name: `Test of ${nowhere}` })).toHaveText(
      /^The relay is unreachable: nothing accepted a connection at this address/, { timeout: 15_000 })
    await expect(unreachable).toContainText(/Cannot connect \(\d+ failed attempts?\)/)
    await unreachable.getByRole('button', { name: `Remove ${nowhere}` }).click()
    await expect(relayList(page)).toHaveCount(1)
  })

  test('a shipped relay can be disabled (the node hangs up) and enabled again, but not removed', async ({ alice, relays }) => {
    const [first] = pair(relays)
    const served = first.wsMultiaddrs[0] ?? ''
    const page = alice.page
    await onboard(page, 'Alice')
    await openNetwork(page)
    const item = relayItem(page, served)
    await expect(item).toContainText('Connected; contacts can reach you through it')
    await expect(item.getByRole('button', { name: `Remove ${served}` })).toHaveCount(0)

    await item.getByRole('button', { name: `Disable ${served}` }).click()
    await expect(item).toContainText('Disabled')
    await expect.poll(async () => relayConnections(first), { timeout: 15_000 }).toBe(0)
    await expect(page.getByRole('status', { name: 'Connection status' })).toHaveText('offline', { timeout: 15_000 })
    await expect(page.getByRole('region', { name: 'Reachability' })).toContainText('Not reachable')

    // kept across a reload: the config still ships it, the user's choice stands
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Network', level: 1 })).toBeVisible()
    await expect(relayItem(page, served)).toContainText('Disabled')

    await relayItem(page, served).getByRole('button', { name: `Enable ${served}` }).click()
    await expect(relayItem(page, served)).toContainText('Connected; contacts can reach you through it', { timeout: 30_000 })
    await expect(page.getByRole('status', { name: 'Connection status' })).toHaveText('online')
  })
})

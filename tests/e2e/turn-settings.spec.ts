import { expect, test } from './fixtures.ts'
import { addContact, expectPath, message, nav, onboard, readInvite, send } from './helpers/parley.ts'
import type { Locator, Page } from '@playwright/test'

/**
 * Settings → "Connection help (TURN)": the user's TURN servers are kept, listed
 * with the credential hidden, refused in words when malformed, and handed to
 * every new WebRTC connection after the served iceServers (here `[]`).
 *
 * The TURN server need not exist: on loopback ICE succeeds on host candidates,
 * and nothing listens on 127.0.0.1:3478 (no traffic leaves `lo`).
 */

const TURN_URL = 'turn:127.0.0.1:3478?transport=udp'
const TURN_USER = 'alice-turn'
const TURN_CREDENTIAL = 'never-shown-0451'

/**
 * Page init script (a string: tsx would add `__name` helpers to a function,
 * which do not exist in the page). Wraps RTCPeerConnection so that the
 * `iceServers` of every connection made in the page are recorded, without
 * the credential. The RTC host tab makes the worker's connections here. The
 * tab's capability probe (src/lib/rpc/tab-capabilities.ts) makes one with no
 * configuration at all and no network activity; that one is not recorded.
 */
const RECORD_ICE_SERVERS = `(() => {
  const Native = globalThis.RTCPeerConnection
  if (typeof Native !== 'function') return
  const seen = []
  Object.defineProperty(globalThis, '__parleyIceServers', { value: seen })
  globalThis.RTCPeerConnection = class extends Native {
    constructor (config, ...rest) {
      const servers = (config && config.iceServers) || []
      if (config !== undefined && seen.length < 256) {
        seen.push(servers.map((s) => ({ urls: [].concat(s.urls), username: s.username === undefined ? null : s.username })))
      }
      super(config, ...rest)
    }
  }
})()`

interface RecordedServer { urls: string[], username: string | null }

async function recordedIceServers (page: Page): Promise<RecordedServer[][]> {
  return page.evaluate<RecordedServer[][]>('globalThis.__parleyIceServers ?? []')
}

function turnSection (page: Page): Locator {
  return page.getByRole('region', { name: 'Connection help (TURN)' })
}

function turnList (page: Page): Locator {
  return turnSection(page).getByRole('list', { name: 'Your TURN servers' }).getByRole('listitem')
}

async function openSettings (page: Page): Promise<void> {
  await nav(page).getByRole('link', { name: 'Settings' }).click()
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible()
}

async function fillTurnServer (page: Page, server: { url: string, username: string, credential: string }): Promise<void> {
  const section = turnSection(page)
  await section.getByLabel('TURN server address').fill(server.url)
  await section.getByLabel('Username').fill(server.username)
  await section.getByLabel('Credential (password)').fill(server.credential)
  await section.getByRole('button', { name: 'Add TURN server' }).click()
}

test.describe('TURN servers in Settings', () => {
  test('add one (credential hidden), a bad address is refused and not saved, it survives a reload, remove it', async ({ alice }) => {
    const page = alice.page
    await onboard(page, 'Alice')
    await openSettings(page)
    const section = turnSection(page)
    await expect(section.getByText('You have no TURN servers of your own.')).toBeVisible()

    // a STUN address: the problem shows next to the address field, nothing is saved
    await fillTurnServer(page, { url: 'stun:stun.example.org:3478', username: TURN_USER, credential: TURN_CREDENTIAL })
    const address = section.getByLabel('TURN server address')
    await expect(address).toHaveAttribute('aria-invalid', 'true')
    await expect(address).toHaveAccessibleDescription(/This is a STUN address\. Enter a TURN server's address, which starts with turn: or turns: \(like turn:turn\.example\.org:3478\)\./)
    await expect(section.getByText('You have no TURN servers of your own.')).toBeVisible()

    // no host, and an empty credential: each problem next to its own field
    await fillTurnServer(page, { url: 'turn:', username: TURN_USER, credential: '' })
    await expect(address).toHaveAccessibleDescription(/The address has no host/)
    await expect(section.getByLabel('Credential (password)')).toHaveAccessibleDescription(/Enter the credential the TURN server gave you/)
    await expect(section.getByLabel('Username')).toHaveAttribute('aria-invalid', 'false')
    await expect(turnList(page)).toHaveCount(0)

    await fillTurnServer(page, { url: TURN_URL, username: TURN_USER, credential: TURN_CREDENTIAL })
    await expect(section.getByRole('status')).toHaveText(`Added ${TURN_URL}. New connections use it from now on.`)
    await expect(turnList(page)).toHaveCount(1)
    await expect(turnList(page)).toContainText([TURN_URL])
    await expect(turnList(page).first()).toContainText(TURN_USER)
    await expect(turnList(page).first()).toContainText('••••••••')
    await expect(address).toHaveValue('')
    await expect(address).toHaveAttribute('aria-invalid', 'false')
    // the credential is never shown, in the list or left in the form
    await expect(page.getByRole('main')).not.toContainText(TURN_CREDENTIAL)
    await expect(section.getByLabel('Credential (password)')).toHaveValue('')

    await page.reload()
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible()
    // exactly the one saved: the refused ones never reached the database
    await expect(turnList(page)).toHaveCount(1)
    await expect(turnList(page).first()).toContainText(TURN_URL)
    await expect(turnList(page).first()).toContainText(TURN_USER)

    await turnSection(page).getByRole('button', { name: `Remove ${TURN_URL}` }).click()
    await expect(turnList(page)).toHaveCount(0)
    await expect(turnSection(page).getByText('You have no TURN servers of your own.')).toBeVisible()
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible()
    await expect(turnSection(page).getByText('You have no TURN servers of your own.')).toBeVisible()
    await expect(turnList(page)).toHaveCount(0)
  })

  test('a TURN server added while the node runs is in every new RTCPeerConnection, and the chat still goes direct', async ({ alice, bob }) => {
    for (const person of [alice, bob]) {
      await person.context.addInitScript(RECORD_ICE_SERVERS)
      await person.page.reload()
    }
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await openSettings(alice.page)
    await fillTurnServer(alice.page, { url: TURN_URL, username: TURN_USER, credential: TURN_CREDENTIAL })
    await expect(turnList(alice.page)).toHaveCount(1)
    // nothing has made a WebRTC connection yet
    expect(await recordedIceServers(alice.page)).toEqual([])

    const a = await readInvite(alice.page)
    const b = await readInvite(bob.page)
    await addContact(alice.page, b.invite, 'Bob')
    await addContact(bob.page, a.invite, 'Alice')
    await send(bob.page, 'over the relay first')
    await expect(message(alice.page, 'over the relay first')).toBeVisible()
    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')
    await send(alice.page, 'straight across')
    await expect(message(bob.page, 'straight across')).toHaveAttribute('data-state', /^(delivered|read)$/)

    // Alice's connections: the served list ([]) then her TURN server
    const aliceServers = await recordedIceServers(alice.page)
    expect(aliceServers.length).toBeGreaterThan(0)
    for (const servers of aliceServers) expect(servers).toEqual([{ urls: [TURN_URL], username: TURN_USER }])
    // Bob added none: his connections have only the served list
    const bobServers = await recordedIceServers(bob.page)
    expect(bobServers.length).toBeGreaterThan(0)
    for (const servers of bobServers) expect(servers).toEqual([])
  })
})

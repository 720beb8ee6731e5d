import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from './fixtures.ts'
import { addCard, confirmAdd, message, nav, onboard, openChat, readInvite, scanImageFile, send } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'

/**
 * Issue 22, items 1–3: the short invite link (`<origin>/#/c/<PeerID>/<name>`,
 * found through the relay by PeerID alone), "Add <name>?" before anything is
 * sent, and where the sender's request stands.
 */

const PHONE = { width: 360, height: 780 }

test.describe('short invite links', () => {
  test('Bob opens Alice\'s short link: "Add Alice?", nothing sent before he confirms; Alice, on My invite, sees the request counted; she accepts; they chat', { tag: ['@firefox'] }, async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const { invite: link, peerId } = await readInvite(alice.page)
    expect(link).toMatch(new RegExp(`/#/c/${peerId}/[A-Za-z0-9_-]+\\.[1-9A-HJ-NP-Za-km-z]{6}$`))
    expect(link.length).toBeLessThanOrEqual(120)

    await bob.page.goto(link)
    await expect(addCard(bob.page).getByRole('heading')).toHaveText('Add Alice?')
    await expect(addCard(bob.page).getByTestId('add-card-peer-id')).toHaveText(`${peerId.slice(0, 12)}…${peerId.slice(-6)}`)
    await expect(addCard(bob.page)).toContainText('Parley sends a contact request')
    // the card is all there is so far: no contact stored, nothing sent
    expect(await readRows(bob.page, 'contacts')).toEqual([])
    await expect(alice.page.getByTestId('chats-waiting')).toHaveCount(0)

    await confirmAdd(bob.page, 'Alice')
    await expect(bob.page.getByTestId('request-note')).toHaveAttribute('data-request', 'delivered', { timeout: 20_000 })
    await expect(bob.page.getByTestId('request-note')).toHaveText(/^Delivered: waiting for Alice to accept your contact request/)
    await send(bob.page, 'Hi Alice, it is Bob')

    // Alice never left My invite
    await expect(alice.page.getByTestId('chats-waiting')).toHaveText('1', { timeout: 20_000 })
    await expect(alice.page).toHaveTitle('(1) Parley')
    await expect(alice.page.getByRole('heading', { name: 'My invite' })).toBeVisible()
    await nav(alice.page).getByRole('link', { name: 'Chats, 1 new' }).click()
    await alice.page.getByRole('button', { name: 'Accept Bob' }).click()

    await expect(bob.page.getByTestId('request-note')).toHaveCount(0)
    await expect(message(bob.page, 'Hi Alice, it is Bob')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 20_000 })
    await openChat(alice.page, 'Bob')
    await expect(message(alice.page, 'Hi Alice, it is Bob')).toBeVisible()
    await send(alice.page, 'Welcome, Bob')
    await expect(message(bob.page, 'Welcome, Bob')).toBeVisible()
  })

  test('Cancel on the card adds no one; a contact\'s own link opens the chat; one\'s own link is refused', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const alices = (await readInvite(alice.page)).invite
    const bobs = (await readInvite(bob.page)).invite

    await bob.page.goto(alices)
    await expect(addCard(bob.page).getByRole('heading')).toHaveText('Add Alice?')
    await addCard(bob.page).getByRole('button', { name: 'Cancel' }).click()
    await expect(addCard(bob.page)).toHaveCount(0)
    await expect(bob.page.getByRole('textbox', { name: 'Invite', exact: true })).toBeVisible()
    expect(await readRows(bob.page, 'contacts')).toEqual([])

    await bob.page.goto(bobs)
    await expect(bob.page.getByRole('alert')).toHaveText(/your own invite/i)

    await bob.page.goto(alices)
    await confirmAdd(bob.page, 'Alice')
    await bob.page.goto(alices)
    await expect(addCard(bob.page)).toHaveAttribute('data-action', 'request')
    await addCard(bob.page).getByRole('button', { name: 'Cancel' }).click()
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await alice.page.getByRole('button', { name: 'Accept Bob' }).click()
    // once accepted, the link only opens the chat
    await expect.poll(async () => (await readRows<{ state: string }>(bob.page, 'contacts'))[0]?.state, { timeout: 20_000 }).toBe('accepted')
    // (leave the add screen first: the same link again on the same screen changes no route)
    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    await expect(bob.page.getByRole('heading', { name: 'Chats', level: 1 })).toBeVisible()
    await bob.page.goto(alices)
    await expect(addCard(bob.page)).toContainText('Alice is already your contact.')
    await addCard(bob.page).getByRole('button', { name: 'Open chat' }).click()
    await expect(bob.page.getByRole('heading', { name: 'Alice', exact: true })).toBeVisible()
    expect(await readRows(bob.page, 'contacts')).toHaveLength(1)
  })

  test('the QR code on a 360 × 780 My invite is in view when it opens, and the app\'s scanner reads a screenshot of that view', async ({ alice, bob }) => {
    await alice.page.setViewportSize(PHONE)
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const { invite } = await readInvite(alice.page)
    const qr = alice.page.getByRole('img', { name: 'Invite QR code' })
    await expect(qr).toBeVisible()
    const box = await qr.boundingBox()
    expect(box).not.toBeNull()
    const { y, height } = box ?? { y: NaN, height: NaN }
    expect(y).toBeGreaterThanOrEqual(0)
    expect(y + height).toBeLessThanOrEqual(PHONE.height)
    expect(await alice.page.evaluate(() => window.scrollY + (document.querySelector('main')?.scrollTop ?? 0))).toBe(0)

    // what a person would send: a screenshot of the phone's screen, not of the code alone
    const screen = await alice.page.screenshot()
    await scanImageFile(bob.page, { name: 'alice-screen.png', mimeType: 'image/png', buffer: screen })
    await expect(bob.page.getByRole('textbox', { name: 'Invite', exact: true })).toHaveCount(0)
    await expect(addCard(bob.page).getByRole('heading')).toHaveText('Add Alice?')
    await confirmAdd(bob.page, 'Alice')
    const [contact] = await readRows<{ peerId: string }>(bob.page, 'contacts')
    expect(invite).toContain(`/#/c/${contact?.peerId ?? '-'}/`)
  })

  test('a request to someone who is away waits on the relay; when they come back it arrives, and the sender sees it delivered', async ({ bob, carol }) => {
    await onboard(bob.page, 'Bob')
    await onboard(carol.page, 'Carol')
    const { invite } = await readInvite(carol.page)
    // Carol's only page closes: her node is gone
    await carol.page.close()

    await bob.page.goto(invite)
    await confirmAdd(bob.page, 'Carol')
    const note = bob.page.getByTestId('request-note')
    await expect(note).toHaveAttribute('data-request', /sending|stored/)
    await expect(note).toHaveAttribute('data-request', 'stored', { timeout: 30_000 })
    await expect(note).toHaveText(/waits on a relay until Carol comes online/)
    await send(bob.page, 'Hi Carol, for when you are back')

    const back = await carol.newTab()
    await nav(back).getByRole('link', { name: 'Chats' }).click()
    await expect(back.getByRole('button', { name: 'Accept Bob' })).toBeVisible({ timeout: 30_000 })
    await openChat(bob.page, 'Carol')
    await expect(note).toHaveAttribute('data-request', 'delivered', { timeout: 45_000 })
    await back.getByRole('button', { name: 'Accept Bob' }).click()
    await expect(message(bob.page, 'Hi Carol, for when you are back')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
  })

  test('a request to a PeerID nobody answers for says it is on its way, then that it waits on a relay', async ({ bob }) => {
    await onboard(bob.page, 'Bob')
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await nav(bob.page).getByRole('link', { name: 'Add contact' }).click()
    await bob.page.getByRole('textbox', { name: 'Invite', exact: true }).fill(nobody)
    await bob.page.getByRole('button', { name: 'Add contact' }).click()
    await expect(addCard(bob.page).getByRole('heading')).toHaveText('Add this contact?')
    await addCard(bob.page).getByRole('button', { name: 'Send request' }).click()

    const note = bob.page.getByTestId('request-note')
    await expect(note).toHaveAttribute('data-request', /sending|stored/)
    await expect(note).toHaveAttribute('data-request', 'stored', { timeout: 30_000 })
    const [row] = await readRows<{ helloPending: boolean, helloStored: boolean }>(bob.page, 'contacts')
    expect(row).toMatchObject({ helloPending: true, helloStored: true })
    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    await expect(bob.page.getByRole('main').getByRole('link', { name: new RegExp(`^${nobody.slice(0, 6)}`) })).toContainText('Your request waits on a relay for them')
  })
})

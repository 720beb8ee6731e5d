import { expect, test } from './fixtures.ts'
import { recordPeerConnections } from '../support/peer-connections.ts'
import { personContext } from '../support/person.ts'
import { callEnded, callStatus, callView, expectMediaArriving, fakeMedia } from './helpers/calls.ts'
import { createGroup, invitation, joinGroup, openGroup } from './helpers/groups.ts'
import { expectOnline, message, nav, openScreen, send } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'

/**
 * Linked devices (issue 58), the acceptance's second e2e beyond the closed
 * phone (link-device.spec.ts has that, and the link itself by QR code):
 * a group with Carol in which Alice has two devices, and a call to Alice.
 * Alice's laptop (prepared trio: Bob and Carol her contacts) makes a group
 * with Carol, then links a fresh 360×780 browser as her phone by pasting the
 * text the phone shows (the no-camera way; cheaper than a screenshot's QR
 * code). Carol's message reaches both devices; the phone's shows on the
 * laptop as Alice's own. Bob calls Alice: both devices ring, the phone
 * answers, the laptop stops ringing and says the call was answered on another
 * device, and the call's audio flows between Bob and the phone. Bob writes to
 * Alice only after the link: the session his message starts gets him her
 * list with the phone.
 */
test.use({ prepared: 'trio' })
test.use(fakeMedia())

const GROUP = 'Trip'

test('a group with Carol reaches both of Alice\'s devices and Bob\'s call rings both, answered on the phone', async ({ alice, bob, carol, friends, browser, app }) => {
  test.setTimeout(120_000)
  const laptop = alice.page

  // the phone's context keeps its peer connections from its first page on; Bob's page from a reload
  const phoneContext = await personContext(browser, { device: { isMobile: true, hasTouch: true, viewport: { width: 360, height: 780 } } })
  await recordPeerConnections(phoneContext)
  await recordPeerConnections(bob.page)
  try {
    const phone = await phoneContext.newPage()
    await Promise.all([phone.goto(app.url), bob.page.reload()])

    // the group, made on the laptop before the link: it comes to the phone with the account's state
    const groupId = await createGroup(laptop, GROUP, ['Carol'])
    await expect(invitation(carol.page, GROUP)).toContainText('Alice invited you', { timeout: 30_000 })
    await joinGroup(carol.page, GROUP)

    // the phone shows its offer as text too; the laptop takes it pasted, the codes are compared, confirmed
    await phone.getByRole('button', { name: 'Link to an existing Parley' }).click()
    const offer = phone.getByLabel('No camera there? Paste this text on the other device instead:')
    await expect(offer).toHaveValue(/^parley-link:/, { timeout: 60_000 })
    await openScreen(laptop, 'Settings')
    await laptop.getByRole('button', { name: 'Link a device' }).click()
    await laptop.getByLabel('The code or text the new device shows').fill(await offer.inputValue())
    await laptop.getByRole('button', { name: 'Link', exact: true }).click()
    await expect(laptop.getByTestId('link-code')).toBeVisible({ timeout: 60_000 })
    await expect(phone.getByTestId('link-code')).toHaveAttribute('data-code', await laptop.getByTestId('link-code').getAttribute('data-code') ?? '')
    const phonePeer = (await laptop.getByText(/^New device: /).innerText()).replace(/^New device: /, '')
    await laptop.getByRole('button', { name: 'Same code' }).click()
    await expect(laptop.getByText('The new device is linked: it is in the list of your devices.')).toBeVisible({ timeout: 60_000 })
    await expect(nav(phone)).toBeVisible({ timeout: 60_000 })

    // Bob writes to Alice for the first time since the link (no session between them before): once the
    // session forms, her laptop gives him her new list of devices (sessions/device-lists.ts), and his call
    // rings the devices of the list he holds
    await expectOnline(bob.page)
    await send(bob.page, 'Free for a call later?')
    await expect(message(bob.page, 'Free for a call later?')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })

    // Carol holds the phone among Alice's devices in the group (the laptop gave the group its list), and Bob
    // among his contact's (a call rings the devices of the list the caller holds when he places it)
    await expect.poll(async () => (await readRows<{ id: string, devices?: string[] }>(carol.page, 'groups')).find(g => g.id === groupId)?.devices, { timeout: 30_000 }).toEqual([phonePeer])
    await expect.poll(async () => (await readRows<{ peerId: string, devicePeers?: string[] }>(bob.page, 'contacts')).find(c => c.peerId === friends.alicePeerId)?.devicePeers, { timeout: 30_000 }).toContain(phonePeer)

    // Carol writes to the group: both of Alice's devices show it, from Carol
    for (const page of [laptop, phone, carol.page]) await openGroup(page, GROUP)
    await send(carol.page, 'Carol to both of your devices')
    for (const page of [laptop, phone]) {
      await expect(message(page, 'Carol to both of your devices')).toHaveAttribute('data-direction', 'in', { timeout: 30_000 })
      await expect(message(page, 'Carol to both of your devices')).toContainText('Carol')
    }
    // what the phone writes is Alice's: at Carol from Alice, on the laptop as her own
    await send(phone, 'written on the phone')
    await expect(message(carol.page, 'written on the phone')).toContainText('Alice', { timeout: 30_000 })
    await expect(message(laptop, 'written on the phone')).toHaveAttribute('data-direction', 'out', { timeout: 30_000 })

    // Bob calls Alice: both devices ring; the phone answers, the laptop stops ringing and says where it was taken
    await bob.page.getByRole('button', { name: 'Voice call with Alice' }).click()
    for (const page of [laptop, phone]) {
      await expect(callView(page)).toHaveAttribute('data-phase', 'ringing', { timeout: 30_000 })
      await expect(callStatus(page)).toHaveText('Bob is calling you')
    }
    await callView(phone).getByRole('button', { name: 'Answer' }).click()
    await expect(callEnded(laptop)).toHaveText('Answered on another device.', { timeout: 15_000 })
    await expect(callEnded(laptop)).toHaveAttribute('data-reason', 'answered-elsewhere')
    await expect(callView(laptop).getByRole('button', { name: 'Answer' })).toHaveCount(0)
    for (const page of [bob.page, phone]) {
      await expect(callView(page)).toHaveAttribute('data-phase', 'active', { timeout: 30_000 })
      await expect(callStatus(page)).toContainText('In a call with')
    }
    await expect(callView(phone)).toHaveAttribute('data-here', '')
    // the call is Bob's and the phone's: audio arrives at each from the other
    for (const page of [bob.page, phone]) await expectMediaArriving(page, false)
  } finally {
    await phoneContext.close()
  }
})

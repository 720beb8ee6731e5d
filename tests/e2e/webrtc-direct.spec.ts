import { expect, test } from './fixtures.ts'
import { befriend, expectOnline, message, openChat, readFullInvite, send } from './helpers/parley.ts'

/**
 * The relay reached over WebRTC-Direct (UDP, certhash-pinned DTLS) instead of
 * WebSockets: what a Parley page served over https:// uses when the relay has
 * no TLS certificate for wss://. `/config.json` lists only the relay's
 * webrtc-direct address, so RelayKeeper dials nothing else.
 */
test.use({ relayTransports: 'webrtc-direct' })

/** The addresses inside an invite link (`…#/add/<base64url JSON>`, docs/protocols.md "Invites"). */
function inviteAddresses (invite: string): string[] {
  const payload = invite.slice(invite.indexOf('#/add/') + '#/add/'.length)
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { a: string[] }).a
}

test.describe('relay over WebRTC-Direct', () => {
  test('both reserve over webrtc-direct, exchange invites and chat both ways', async ({ alice, bob, relay, app }) => {
    const served = await (await fetch(new URL('/config.json', app.url))).json() as { relays: string[] }
    const [relayAddr] = relay.webrtcDirectMultiaddrs
    expect(relayAddr).toMatch(/^\/ip4\/127\.0\.0\.1\/udp\/\d+\/webrtc-direct\/certhash\/u[\w-]+\/p2p\/12D3KooW/)
    expect(served.relays).toEqual([relayAddr])

    // befriend waits for "online", i.e. a reservation on the relay
    const { alicePeerId, bobPeerId } = await befriend(alice.page, bob.page)

    // the full invites name the relay's webrtc-direct address (the short links they added each other by name none)
    for (const [person, peerId] of [[alice, alicePeerId], [bob, bobPeerId]] as const) {
      expect(inviteAddresses(await readFullInvite(person.page))).toContain(`${relayAddr}/p2p-circuit/p2p/${peerId}`)
    }

    await openChat(alice.page, 'Bob')
    await openChat(bob.page, 'Alice')

    await send(bob.page, 'Hi Alice, over WebRTC-Direct')
    await expect(message(alice.page, 'Hi Alice, over WebRTC-Direct')).toBeVisible()
    await expect(message(bob.page, 'Hi Alice, over WebRTC-Direct')).toHaveAttribute('data-state', /^(delivered|read)$/)

    await send(alice.page, 'Hello Bob!')
    await expect(message(bob.page, 'Hello Bob!')).toBeVisible()
    await expect(message(alice.page, 'Hello Bob!')).toHaveAttribute('data-state', /^(delivered|read)$/)
  })

  test('after a relay restart both re-reserve at the same address (same certhash) and chat resumes', async ({ alice, bob, relay }) => {
    const before = relay.webrtcDirectMultiaddrs
    await befriend(alice.page, bob.page)
    await send(alice.page, 'before the restart')
    await expect(message(bob.page, 'before the restart')).toBeVisible()

    await relay.restart()
    // the served /config.json still names the old address: it must still be right
    expect(relay.webrtcDirectMultiaddrs).toEqual(before)
    await expectOnline(alice.page)
    await expectOnline(bob.page)

    await send(bob.page, 'after the restart')
    await expect(message(alice.page, 'after the restart')).toBeVisible({ timeout: 45_000 })
    await expect(message(bob.page, 'after the restart')).toHaveAttribute('data-state', /^(delivered|read)$/)
  })
})

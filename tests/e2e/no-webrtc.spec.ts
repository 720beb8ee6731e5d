import { newPerson } from '../support/person.ts'
import { expect, test } from './fixtures.ts'
import { attach, expectFileState, fileCard, randomFile, saveFile, sha256Hex, transferRecord } from './helpers/files.ts'
import { befriend, connectionPath, expectPath, message, openScreen, send } from './helpers/parley.ts'
import type { Person } from './fixtures.ts'

/**
 * A browser without WebRTC (Chromium with RTCPeerConnection removed before
 * the app loads, as Debian's WebKitGTK is): chat works relayed and both sides
 * say why, nothing tries a direct connection, the call buttons say this
 * browser cannot call, a file the relay carries moves over it, and a bigger
 * one says why it waits, on both sides. The relay here allows 4 MiB
 * per relayed connection (its circuit data limit).
 */

const MIB = 1024 * 1024
test.use({ relayArgs: ['--circuit-data-bytes', String(4 * MIB)] })

test.describe('a browser without WebRTC', () => {
  let alice: Person

  test.beforeEach(async ({ browser, app }) => {
    alice = await newPerson(browser, app.url, { webrtc: 'absent' })
  })

  test.afterEach(async () => {
    await alice.context.close()
  })

  test('chats relayed and says why; cannot call, and says so; a 1 MiB file crosses the relay; a file bigger than the relay carries says why it waits, to both', async ({ bob }, testInfo) => {
    expect(await alice.page.evaluate(() => typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection)).toBe('undefined')
    await befriend(alice.page, bob.page)
    await send(bob.page, 'through the relay')
    await expect(message(alice.page, 'through the relay')).toBeVisible()
    await send(alice.page, 'and back')
    await expect(message(bob.page, 'and back')).toBeVisible()

    // each side says, in words, why the chat is relayed; this browser never tried a direct connection
    await expectPath(alice.page, 'relayed')
    const aliceNote = alice.page.getByTestId('path-note')
    await expect(aliceNote).toHaveAttribute('data-reason', 'unsupportedHere')
    await expect(aliceNote).toHaveAttribute('data-attempts', '0')
    await expect(aliceNote).toContainText('This browser cannot make direct connections')
    const bobNote = bob.page.getByTestId('path-note')
    await expect(bobNote).toHaveAttribute('data-reason', 'unsupportedThere')
    await expect(bobNote).toContainText('cannot make direct connections')

    // the call buttons stay where they are and say this browser cannot call, instead of trying
    const voice = alice.page.getByRole('button', { name: 'Voice call with Bob' })
    await expect(voice).toHaveAttribute('aria-disabled', 'true')
    await expect(voice).toHaveAccessibleDescription('This browser cannot make calls')
    // pressed from the keyboard: Playwright's click waits for an aria-disabled button to become enabled
    await voice.press('Enter')
    await expect(alice.page.getByTestId('cannot-call')).toBeVisible()
    await expect(alice.page.getByTestId('cannot-call')).toHaveText('This browser cannot make calls')
    await expect(alice.page.getByTestId('call')).toHaveCount(0)

    // a 1 MiB file from the browser without WebRTC arrives whole over the relay
    const small = testInfo.outputPath('one-mebibyte.bin')
    const smallHash = await randomFile(small, MIB)
    await attach(alice.page, small)
    await expectFileState(bob.page, 'one-mebibyte.bin', 'complete')
    expect((await transferRecord(bob.page, 'one-mebibyte.bin'))?.path).toBe('relayed')
    expect(sha256Hex(await saveFile(bob.page, 'one-mebibyte.bin'))).toBe(smallHash)

    // 5 MiB is more than this relay carries on one connection: Alice's card says why, and what helps
    const big = testInfo.outputPath('five-mebibytes.bin')
    await randomFile(big, 5 * MIB)
    await attach(bob.page, big)
    await expectFileState(alice.page, 'five-mebibytes.bin', 'waiting-direct')
    await expect(fileCard(alice.page, 'five-mebibytes.bin')).toContainText('bigger than the relay carries')
    await expect(fileCard(alice.page, 'five-mebibytes.bin')).toContainText('TURN server')
    // and its sender is told the same, not "Waiting for Alice to download it"
    await expect(fileCard(bob.page, 'five-mebibytes.bin')).toContainText('bigger than the relay carries')

    // the chat is still relayed, never direct
    await expect(connectionPath(alice.page)).toHaveAttribute('data-path', 'relayed')
    await openScreen(alice.page, 'Network')
    await expect(alice.page.getByTestId('no-webrtc')).toContainText('This browser cannot make direct (WebRTC) connections')
    await expect(alice.page.getByText('Direct connections open now: 0')).toBeVisible()
    // the reachability words promise nothing direct
    await expect(alice.page.getByRole('region', { name: 'Reachability' })).not.toContainText('tries a direct')
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './fixtures.ts'
import { attach, expectFileState, expectImageOpens, fileCard, hasChunk, randomFile, randomPng, saveFile, sha256Hex, transferRecord, untilReceived } from './helpers/files.ts'
import { befriend, expectPath, openChat } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

const MB = 1024 * 1024
let dir = ''

test.beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'parley-e2e-files-')) })

test.afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

test.describe('files', () => {
  test.setTimeout(180_000)

  test('a 50 MB file arrives whole: the saved copy has the original SHA-256', async ({ alice, bob }) => {
    await expectPath(alice.page, 'direct')
    const path = join(dir, 'random-50mb.bin')
    const original = await randomFile(path, 50 * MB)

    await attach(alice.page, path)
    await expect(fileCard(bob.page, 'random-50mb.bin')).toBeVisible()
    await expect(fileCard(bob.page, 'random-50mb.bin').getByTestId('file-path')).toHaveText('direct')
    await expectFileState(bob.page, 'random-50mb.bin', 'complete', 120_000)
    await expectFileState(alice.page, 'random-50mb.bin', 'complete')

    const saved = await saveFile(bob.page, 'random-50mb.bin')
    expect(saved.byteLength).toBe(50 * MB)
    expect(sha256Hex(saved)).toBe(original)
  })

  test('a file and an image each way on a direct connection: saved copies keep their SHA-256, images open full size', { tag: ['@cross'] }, async ({ alice, bob }) => {
    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')
    const sends = [
      { from: alice.page, to: bob.page, file: 'from-alice.bin', image: 'from-alice.png', width: 160 },
      { from: bob.page, to: alice.page, file: 'from-bob.bin', image: 'from-bob.png', width: 90 }
    ]
    const hashes = new Map<string, string>()
    for (const { from, file, image, width } of sends) {
      hashes.set(file, await randomFile(join(dir, file), 4 * MB))
      const png = randomPng(width, 120)
      hashes.set(image, sha256Hex(png))
      await attach(from, join(dir, file))
      await attach(from, { name: image, mimeType: 'image/png', buffer: png })
    }

    const arrives = async (from: Page, to: Page, name: string): Promise<void> => {
      await expectFileState(to, name, 'complete')
      await expectFileState(from, name, 'complete')
      expect((await transferRecord(to, name))?.path).toBe('direct')
      expect(sha256Hex(await saveFile(to, name))).toBe(hashes.get(name))
    }
    for (const { from, to, file, image, width } of sends) {
      await arrives(from, to, file)
      await arrives(from, to, image)
      await expectImageOpens(to, image, width)
    }
  })

  test('closing the receiver at ~40 % and reopening resumes without fetching verified chunks again', async ({ alice, bob }) => {
    await expectPath(alice.page, 'direct')
    const path = join(dir, 'resume.bin')
    const original = await randomFile(path, 50 * MB)
    await attach(alice.page, path)

    await untilReceived(bob.page, 'resume.bin', 0.4)
    // B's only page closes: its SharedWorker, and with it the transfer, stops
    await bob.page.close()
    await expect(fileCard(alice.page, 'resume.bin')).not.toHaveAttribute('data-state', 'active', { timeout: 30_000 })

    const page = await bob.newTab()
    await openChat(page, 'Alice')
    await expectFileState(page, 'resume.bin', 'complete', 120_000)
    const record = await transferRecord(page, 'resume.bin')
    expect(record?.resumes).toBeGreaterThanOrEqual(1)
    const before = record?.resumedHave ?? []
    const verifiedBefore = Array.from({ length: record?.chunkCount ?? 0 }, (_, i) => i).filter(i => hasChunk(before, i))
    expect(verifiedBefore.length).toBeGreaterThanOrEqual(Math.floor((record?.chunkCount ?? 0) * 0.3))
    // every chunk verified before the interruption was requested exactly once: never again after it
    expect(verifiedBefore.filter(i => record?.requests[i] !== 1)).toEqual([])
    expect(sha256Hex(await saveFile(page, 'resume.bin'))).toBe(original)
  })

  test('closing the sender mid-transfer and reopening: it serves the rest from its own stored copy', async ({ alice, bob }) => {
    await expectPath(alice.page, 'direct')
    const path = join(dir, 'sender-restart.bin')
    const original = await randomFile(path, 40 * MB)
    await attach(alice.page, path)

    await untilReceived(bob.page, 'sender-restart.bin', 0.3)
    // A's only page closes: its worker, and the File the page handed it, are gone
    await alice.page.close()
    await expect(fileCard(bob.page, 'sender-restart.bin')).not.toHaveAttribute('data-state', 'active', { timeout: 30_000 })

    const page = await alice.newTab()
    await expectFileState(bob.page, 'sender-restart.bin', 'complete', 120_000)
    expect((await transferRecord(bob.page, 'sender-restart.bin'))?.resumes).toBeGreaterThanOrEqual(1)
    expect(sha256Hex(await saveFile(bob.page, 'sender-restart.bin'))).toBe(original)
    await openChat(page, 'Bob')
    await expectFileState(page, 'sender-restart.bin', 'complete')
  })

  test('stopping the relay-node mid-transfer on a direct connection does not stop the transfer', async ({ alice, bob, relay }) => {
    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')
    const path = join(dir, 'no-relay.bin')
    const original = await randomFile(path, 40 * MB)
    await attach(alice.page, path)

    await expect.poll(async () => (await transferRecord(bob.page, 'no-relay.bin'))?.chunksDone ?? 0, { timeout: 60_000, intervals: [50] })
      .toBeGreaterThan(0)
    await relay.process.stop('SIGTERM')
    await expect(alice.page.getByRole('status', { name: 'Connection status' })).toHaveText('offline')

    await expectFileState(bob.page, 'no-relay.bin', 'complete', 120_000)
    const record = await transferRecord(bob.page, 'no-relay.bin')
    expect(record?.resumes).toBe(0)
    expect(record?.path).toBe('direct')
    expect(sha256Hex(await saveFile(bob.page, 'no-relay.bin'))).toBe(original)
  })

  test.describe('with a Bob of its own', () => {
    // Bob is a context of its own here: both start at the welcome screen
    test.use({ prepared: undefined })

    test('images show a thumbnail before they arrive; a big file waits a while for a direct connection, then goes over the relay; SVG is only a file; cancel reaches the sender', async ({ browser, app, alice }) => {
      // Bob's browser gathers no loopback ICE candidates (no media permission), so he stays relayed
      const context = await browser.newContext()
      const bob = await context.newPage()
      await bob.goto(app.url)
      try {
        await befriend(alice.page, bob)
        const small = randomPng(120, 100)
        const big = randomPng(700, 500)
        const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>window.pwned = true</script><rect width="10" height="10"/></svg>')
        await attach(alice.page, { name: 'small.png', mimeType: 'image/png', buffer: small })
        await attach(alice.page, { name: 'big.png', mimeType: 'image/png', buffer: big })
        await attach(alice.page, { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: svg })

        // the big image: its thumbnail is there while the bytes wait for a direct connection (which never comes)
        await expect(fileCard(bob, 'big.png').getByTestId('file-thumb')).toBeVisible()
        await expectFileState(bob, 'big.png', 'waiting-direct')
        await expect(fileCard(bob, 'big.png')).toContainText('Waiting for a direct connection')
        await expect(fileCard(bob, 'big.png').getByTestId('file-path')).toHaveText('relayed')
        // Bob cancels it while it waits: Alice's side hears of it
        await fileCard(bob, 'big.png').getByTestId('file-cancel').click()
        await expectFileState(bob, 'big.png', 'cancelled')
        await expectFileState(alice.page, 'big.png', 'cancelled')
        await expect(fileCard(alice.page, 'big.png')).toContainText('Cancelled by Bob')

        // the small image fits a relayed connection: it arrives, and opens full size
        await expectFileState(bob, 'small.png', 'complete')
        await expectImageOpens(bob, 'small.png', 120)
        expect(sha256Hex(await saveFile(bob, 'small.png'))).toBe(sha256Hex(small))

        // the SVG is offered as a file: no thumbnail, never rendered, saved as it was
        await expectFileState(bob, 'drawing.svg', 'complete')
        await expect(fileCard(bob, 'drawing.svg').getByTestId('file-thumb')).toHaveCount(0)
        await expect(bob.locator('img[src^="blob:"]')).toHaveCount(2) // the two PNG thumbnails only
        expect(sha256Hex(await saveFile(bob, 'drawing.svg'))).toBe(sha256Hex(svg))
        expect(await bob.evaluate(() => (window as { pwned?: boolean }).pwned)).toBeUndefined()

        // no direct connection came within the wait (20 s): a big file the relay carries goes over it
        const later = randomPng(600, 600)
        await attach(alice.page, { name: 'later.png', mimeType: 'image/png', buffer: later })
        await expectFileState(bob, 'later.png', 'waiting-direct')
        await expectFileState(bob, 'later.png', 'complete', 60_000)
        expect((await transferRecord(bob, 'later.png'))?.path).toBe('relayed')
        expect(sha256Hex(await saveFile(bob, 'later.png'))).toBe(sha256Hex(later))
      } finally {
        await context.close()
      }
    })
  })
})

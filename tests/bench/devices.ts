/**
 * Linked devices (issue 58), in Chromium against the built app and a real
 * relay-node, each person a context of their own (WebRTC on loopback):
 *
 *   link_device_10k_ms         Alice's laptop holds a chat of 10,000 messages with Bob (seeded into its
 *                              IndexedDB, tests/bench/history-seed.ts); a fresh context at 360 × 780 (her
 *                              phone) shows its link QR code, the laptop scans it from a screenshot, both show
 *                              the code: "Same code" clicked on the laptop → the phone in the app, in the chat
 *                              with Bob, showing the newest message of that history. The whole link: the phone
 *                              is signed into the list, the state moves over (relayed: the new device's node
 *                              makes no direct upgrade), the phone's node starts on it, and the chat renders.
 *                              Median of LINK_RUNS runs.
 *   fanout_two_devices_p50_ms  then Bob writes: Enter in Bob's tab → the message shown in the chat of BOTH of
 *                              Alice's devices (the later of the two), each on the direct connection to Bob;
 *                              per run the p50 of FANOUT_MESSAGES, median over the runs.
 */
import { expect } from '@playwright/test'
import { befriend, expectPath, message, nav, openChat, openScreen, send } from '../e2e/helpers/parley.ts'
import { installSeeder, seedChat } from './history.ts'
import { arrival, median, newContext, percentile, print, watchArrivals } from './lib.ts'
import type { Browser } from '@playwright/test'

const HISTORY = 10_000
const LINK_RUNS = 3
const FANOUT_MESSAGES = 20
const LINK_TIMEOUT_MS = 180_000

/** One run: Alice's laptop with the history, Bob, the phone linked (timed), then Bob's messages to both (timed). */
async function run (browser: Browser, url: string, index: number): Promise<{ linkMs: number, fanout: number[] }> {
  const contexts = await Promise.all([newContext(browser), newContext(browser), newContext(browser)])
  try {
    const [laptop, bob, phone] = await Promise.all(contexts.map(async c => c.newPage()))
    if (laptop === undefined || bob === undefined || phone === undefined) throw new Error('no pages')
    await phone.setViewportSize({ width: 360, height: 780 })
    await Promise.all([laptop.goto(url), bob.goto(url), phone.goto(url)])
    const { bobPeerId } = await befriend(laptop, bob)
    await openChat(laptop, 'Bob')
    await send(laptop, 'hello before the history')
    await message(bob, 'hello before the history').waitFor()
    await installSeeder(laptop)
    const newest = `history ${index} newest`
    await seedChat(laptop, { peerId: bobPeerId, count: HISTORY, firstAt: Date.now() - HISTORY * 1000 - 60_000, stepMs: 1000, prefix: `history ${index}`, special: { [HISTORY - 1]: newest } })
    await laptop.reload()
    await openChat(laptop, 'Bob')
    await expect(message(laptop, newest)).toBeVisible({ timeout: 60_000 })

    await phone.getByRole('button', { name: 'Link to an existing Parley' }).click()
    const qr = phone.getByRole('img', { name: 'QR code to link this device' })
    await expect(qr).toBeVisible({ timeout: 60_000 })
    const png = await qr.screenshot()
    await openScreen(laptop, 'Settings')
    await laptop.getByRole('button', { name: 'Link a device' }).click()
    await laptop.getByLabel('Scan from image file').setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: png })
    await expect(laptop.getByRole('status', { name: 'Confirmation code' })).toBeVisible({ timeout: 60_000 })
    await expect(phone.getByRole('status', { name: 'Confirmation code' })).toBeVisible({ timeout: 30_000 })
    const confirmed = Date.now()
    await laptop.getByRole('button', { name: 'Same code' }).click()
    await expect(nav(phone)).toBeVisible({ timeout: LINK_TIMEOUT_MS })
    await openChat(phone, 'Bob')
    await expect(message(phone, newest)).toBeVisible({ timeout: LINK_TIMEOUT_MS })
    const linkMs = Date.now() - confirmed

    // Bob's messages to both of Alice's devices, each on its direct connection to Bob
    await openChat(laptop, 'Bob')
    await send(bob, `warm-up ${index}`)
    await Promise.all([message(laptop, `warm-up ${index}`).waitFor(), message(phone, `warm-up ${index}`).waitFor()])
    await Promise.all([expectPath(bob, 'direct'), expectPath(laptop, 'direct'), expectPath(phone, 'direct')])
    await Promise.all([watchArrivals(laptop), watchArrivals(phone)])
    await bob.evaluate(() => {
      document.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') (window as unknown as { __sentAt: number }).__sentAt = Date.now()
      }, { capture: true })
    })
    const box = bob.getByRole('textbox', { name: 'Message', exact: true })
    const fanout: number[] = []
    for (let i = 0; i < FANOUT_MESSAGES; i++) {
      const text = `fan-out ${index} probe ${i}`
      await box.fill(text)
      await box.press('Enter')
      const sentAt = await bob.evaluate(() => (window as unknown as { __sentAt: number }).__sentAt)
      const [onLaptop, onPhone] = await Promise.all([arrival(laptop, text), arrival(phone, text)])
      fanout.push(Math.max(onLaptop, onPhone) - sentAt)
    }
    return { linkMs, fanout }
  } finally {
    await Promise.all(contexts.map(async c => c.close()))
  }
}

export async function benchDevices (browser: Browser, url: string): Promise<void> {
  const links: number[] = []
  const p50s: number[] = []
  for (let i = 0; i < LINK_RUNS; i++) {
    const { linkMs, fanout } = await run(browser, url, i)
    console.log(`devices run ${i}: link ${linkMs} ms, fan-out p50 ${percentile(fanout, 50)} ms (p99 ${percentile(fanout, 99)} ms)`)
    links.push(linkMs)
    p50s.push(percentile(fanout, 50))
  }
  print('link_device_10k_ms', median(links), 'ms')
  print('fanout_two_devices_p50_ms', median(p50s), 'ms')
}

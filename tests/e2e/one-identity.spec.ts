import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { downloadBackup, restoreBackup } from './helpers/backup.ts'
import { expectOnline, onboard, readInvite } from './helpers/parley.ts'
import { killNodeWorker } from './helpers/node-worker.ts'
import { metric } from './helpers/relay-metrics.ts'
import type { Locator, Page } from '@playwright/test'

/*
 * One identity, one place (issue 22 item 6; docs/protocols.md, "One identity,
 * one place"): a backup restored in a second browser while the first still
 * runs makes two live copies of one identity. Each node tells the relays
 * which instance it is; the relays tell each copy of the other, and every
 * screen of both says so until one is closed. A profile's own tabs, a reload
 * or a worker started again are one instance: no warning.
 */

const PASSPHRASE = 'correct horse battery staple'

/** The warning every screen shows while another copy runs. */
function warning (page: Page): Locator {
  return page.getByRole('region', { name: 'Parley is open in more than one place' })
}

/** What a copy restored here shows instead (issue 58, increment 9): the offer to link this browser instead, or to keep it. */
function offer (page: Page): Locator {
  return page.getByRole('region', { name: 'This account is open on another device' })
}

/** The first of `list`. */
function first<T> (list: readonly T[]): T {
  const [head] = list
  if (head === undefined) throw new Error('the list is empty')
  return head
}

test.describe('one identity, one place', () => {
  // two relays, both seeing both copies: each copy must still be counted once
  test.use({ relayCount: 2, relayMetrics: true })

  test('a restored backup running beside the original: both warn, on every tab; closing one clears the other', { tag: ['@firefox'] }, async ({ alice, carol, relays }, testInfo) => {
    await onboard(alice.page, 'Alice')
    const { peerId } = await readInvite(alice.page)
    const aliceTab2 = await alice.newTab()
    await expectOnline(aliceTab2)
    const file = testInfo.outputPath('alice.parley')
    await downloadBackup(alice.page, file, PASSPHRASE)
    // Settings says what a backup restored elsewhere means for this copy
    await expect(alice.page.getByText('then close Parley here, since only one copy can receive messages')).toBeVisible()

    // the restore step says to close the other copy, before anything is restored
    await expect(carol.page.getByText('Moving from another browser or device? Close Parley there, before or right after restoring')).toBeVisible()
    await restoreBackup(carol.page, file, PASSPHRASE)
    expect((await readInvite(carol.page)).peerId).toBe(peerId)

    // both copies, every tab of each, say so in words: one other copy, since when; the restored
    // copy first offers to link this browser instead, and once kept reads as the warning
    const text = /^Parley with your identity is also open in another browser or on another device \(since .+\)\. Only one copy can receive messages: close the other one\.$/
    await expect(offer(carol.page)).toBeVisible({ timeout: 30_000 })
    await expect(offer(carol.page).getByRole('paragraph')).toHaveText(/^Your account is also open on another device or browser \(since .+\), and this copy was restored from a backup\./)
    await expect(offer(carol.page).getByRole('button', { name: 'Link this browser instead' })).toBeVisible()
    await offer(carol.page).getByRole('button', { name: 'Keep this copy' }).click()
    for (const page of [alice.page, aliceTab2, carol.page]) {
      await expect(warning(page)).toBeVisible({ timeout: 30_000 })
      await expect(warning(page).getByRole('paragraph')).toHaveText(text)
    }
    // both relays see the two copies
    for (const relay of relays) await expect.poll(async () => metric(relay, 'parley_instance_copies')).toBe(1)

    // the restored copy is closed: the original stops warning, on both tabs
    await carol.context.close()
    for (const page of [alice.page, aliceTab2]) await expect(warning(page)).toBeHidden({ timeout: 30_000 })
    for (const relay of relays) await expect.poll(async () => metric(relay, 'parley_instance_copies')).toBe(0)
  })

  test('the warning and the restored copy\'s offer pass axe in the light and the dark palette', async ({ alice, carol }, testInfo) => {
    await onboard(alice.page, 'Alice')
    const file = testInfo.outputPath('alice.parley')
    await downloadBackup(alice.page, file, PASSPHRASE)
    await restoreBackup(carol.page, file, PASSPHRASE)
    // the restored copy's offer, then (kept) the warning: both pass
    await expect(offer(carol.page)).toBeVisible({ timeout: 30_000 })
    for (const colorScheme of ['light', 'dark'] as const) {
      await carol.page.emulateMedia({ colorScheme })
      const { violations } = await new AxeBuilder({ page: carol.page }).include('section[aria-labelledby="elsewhere-heading"]').analyze()
      expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `offer, ${colorScheme}: ${v.id}`)).toEqual([])
    }
    await offer(carol.page).getByRole('button', { name: 'Keep this copy' }).click()
    await expect(warning(carol.page)).toBeVisible()
    for (const colorScheme of ['light', 'dark'] as const) {
      await carol.page.emulateMedia({ colorScheme })
      const { violations } = await new AxeBuilder({ page: carol.page }).include('section[aria-labelledby="elsewhere-heading"]').analyze()
      expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${colorScheme}: ${v.id}`)).toEqual([])
    }
  })

  test('no warning in a profile with two tabs, after a reload, or after its node worker is killed and started again', async ({ alice, relays }) => {
    await onboard(alice.page, 'Alice')
    const tab2 = await alice.newTab()
    await expectOnline(tab2)
    const relay = first(relays)
    // the one node of both tabs told each relay, which sees no other copy
    for (const r of relays) await expect.poll(async () => metric(r, 'parley_instance_streams')).toBe(1)
    for (const r of relays) expect(await metric(r, 'parley_instance_copies')).toBe(0)
    await expect(warning(alice.page)).toBeHidden()
    await expect(warning(tab2)).toBeHidden()

    // tab 2 closed and the last tab reloaded: the SharedWorker goes with its last tab, and a new node starts on the same profile
    const registered = await metric(relay, 'parley_instance_registered_total')
    await tab2.close()
    await alice.page.reload()
    await expectOnline(alice.page)
    await expect.poll(async () => metric(relay, 'parley_instance_registered_total')).toBeGreaterThan(registered)
    expect(await metric(relay, 'parley_instance_copies')).toBe(0)
    await expect(warning(alice.page)).toBeHidden()

    // the node worker dies (as a browser may kill it): the tab starts a new one, still the same instance
    const before = await metric(relay, 'parley_instance_registered_total')
    await killNodeWorker(alice)
    await expect.poll(async () => metric(relay, 'parley_instance_registered_total'), { timeout: 30_000 }).toBeGreaterThan(before)
    await expectOnline(alice.page)
    expect(await metric(relay, 'parley_instance_copies')).toBe(0)
    await expect(warning(alice.page)).toBeHidden()
  })
})

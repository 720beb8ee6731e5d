/**
 * The fault soak: Alice (behind a port-restricted NAT) and Bob (behind a full
 * cone) exchange numbered messages of random sizes and a few files, both
 * ways, while the run breaks things: relay-node restarts, Bob's link goes down
 * and up, 5 % loss and 200 ms delay on Alice's link, Alice's WebRTC host tab
 * closes, Bob's page reloads, Bob is offline for a minute (his mail waits on
 * the relay). At the end every message must be in the other person's history
 * exactly once, and every outgoing one delivered:
 *
 *   soak sent=<n> received=<n> lost=0 duplicated=0 out_of_order=<n>
 *
 * Out of order (arrived after a later message from the same person) is
 * reported, not failed: the chat sorts by the sender's time.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, recordLine, test, type Lab } from './fixtures.ts'
import { launchPerson, type LabPerson } from './services.ts'
import { attach, fileCard, transferRecord } from '../e2e/helpers/files.ts'
import { addContact, expectPath, onboard, openChat, readInvite, send } from '../e2e/helpers/parley.ts'
import type { Site } from './netlab.ts'
import type { Page } from '@playwright/test'
import { readRows } from '../support/page-db.ts'
import { prng } from '../support/prng.ts'

type Fault = 'relay-restart' | 'link-flap' | 'loss-latency' | 'tab-close' | 'reload' | 'offline-minute'

interface Plan {
  messages: number
  files: number
  faults: Fault[]
}

const QUICK: Plan = { messages: 200, files: 2, faults: ['relay-restart', 'link-flap'] }
const FULL: Plan = { messages: 1000, files: 5, faults: ['relay-restart', 'link-flap', 'loss-latency', 'tab-close', 'reload', 'offline-minute'] }

/** Messages sent while a fault lasts (the rest of a phase follows the repair). */
const DURING_FAULT = 15
const OFFLINE_MS = 60_000
/** Messages kept for after Bob's minute away (the faults after it and the rest). */
const RESERVED_AFTER_OFFLINE = 100
const LOSS_PCT = 5
const DELAY_MS = 200
/** Bodies: mostly chat-sized, some long (the protocol allows 16 KiB). */
const SIZES = [8, 40, 120, 300, 1200, 6000]
const FILE_BYTES = [20_000, 150_000]
/** After the last send: mail from the relay, retries after back-off, the last files. */
const SETTLE_MS = 240_000

interface Person {
  readonly tag: 'A' | 'B'
  readonly name: string
  readonly other: string
  readonly site: Site
  readonly lab: LabPerson
  page: Page
  /** false while all this person's pages are closed */
  online: boolean
  /** seq numbers this person sent: text and file messages */
  sent: number[]
  files: Array<{ name: string, sha256: string }>
}

interface Row { direction: string, body: string, state: string, receivedAt?: number, kind: string, file?: { name: string, sha256: string } }

/** Every message row in `page`'s IndexedDB (the app's own database). */
async function readMessages (page: Page): Promise<Row[]> {
  const rows = await readRows<Row>(page, 'messages')
  return rows.map(({ direction, body, state, receivedAt, kind, file }) =>
    ({ direction, body, state, receivedAt, kind, file: file == null ? undefined : { name: file.name, sha256: file.sha256 } }))
}

/** The sender's tag and seq of a soak message row, from its text or file name. */
function parseSoak (row: Row): { tag: string, seq: number } | undefined {
  const text = row.kind === 'file' ? row.file?.name ?? '' : row.body
  const match = /^soak-([AB])-(\d+)/.exec(text)
  return match == null ? undefined : { tag: match[1] ?? '', seq: Number(match[2]) }
}

interface Tally { received: number, duplicated: number, outOfOrder: number, missing: number[] }

function tallyIncoming (rows: Row[], from: Person): Tally {
  const incoming = rows
    .filter(r => r.direction === 'in')
    .map(r => ({ row: r, soak: parseSoak(r) }))
    .filter((x): x is { row: Row, soak: { tag: string, seq: number } } => x.soak?.tag === from.tag)
    .sort((x, y) => (x.row.receivedAt ?? 0) - (y.row.receivedAt ?? 0) || x.soak.seq - y.soak.seq)
  const seen = new Set<number>()
  let duplicated = 0
  let outOfOrder = 0
  let highest = -1
  for (const { soak } of incoming) {
    if (seen.has(soak.seq)) duplicated++
    seen.add(soak.seq)
    if (soak.seq < highest) outOfOrder++
    highest = Math.max(highest, soak.seq)
  }
  return { received: seen.size, duplicated, outOfOrder, missing: from.sent.filter(seq => !seen.has(seq)) }
}

async function soak (lab: Lab, plan: Plan, seed: number): Promise<void> {
  const random = prng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const dir = await mkdtemp(join(tmpdir(), 'parley-lab-soak-'))
  const siteA = await lab.net.addSite('restricted', { wire: plan.faults.includes('loss-latency') })
  const siteB = await lab.net.addSite('cone')
  const launched: LabPerson[] = []
  let seq = 0
  try {
    const [labA, labB] = await Promise.all([launchPerson(siteA, lab.url, lab.workDir), launchPerson(siteB, lab.url, lab.workDir)])
    launched.push(labA, labB)
    const alice: Person = { tag: 'A', name: 'Alice', other: 'Bob', site: siteA, lab: labA, page: labA.page, online: true, sent: [], files: [] }
    const bob: Person = { tag: 'B', name: 'Bob', other: 'Alice', site: siteB, lab: labB, page: labB.page, online: true, sent: [], files: [] }
    await Promise.all([onboard(alice.page, 'Alice'), onboard(bob.page, 'Bob')])
    const a = await readInvite(alice.page)
    const b = await readInvite(bob.page)
    await addContact(alice.page, b.invite, 'Bob')
    await addContact(bob.page, a.invite, 'Alice')
    await expectPath(alice.page, 'direct')

    const sendText = async (from: Person): Promise<void> => {
      const n = seq++
      const head = `soak-${from.tag}-${n} `
      const size = pick(SIZES)
      await send(from.page, head + 'x'.repeat(Math.max(0, size - head.length)))
      from.sent.push(n)
    }
    const sendFile = async (from: Person): Promise<void> => {
      const n = seq++
      const name = `soak-${from.tag}-${n}.bin`
      const bytes = randomBytes(pick(FILE_BYTES))
      await writeFile(join(dir, name), bytes)
      await attach(from.page, join(dir, name))
      await expect(fileCard(from.page, name)).toBeVisible()
      from.sent.push(n)
      from.files.push({ name, sha256: createHash('sha256').update(bytes).digest('hex') })
    }
    /** `count` messages, each from a random person who is online (and a file now and then). */
    let filesLeft = plan.files
    const fileEvery = Math.max(1, Math.floor(plan.messages / (plan.files + 1)))
    const sendSome = async (count: number, only?: Person): Promise<void> => {
      for (let i = 0; i < count && seq < plan.messages; i++) {
        const from = only ?? (random() < 0.5 || !bob.online ? alice : bob)
        if (filesLeft > 0 && seq > 0 && seq % fileEvery === 0) {
          filesLeft--
          await sendFile(from)
        } else {
          await sendText(from)
        }
      }
    }
    const reopen = async (person: Person): Promise<void> => {
      person.page = await person.lab.context.newPage()
      await person.page.goto(lab.url)
      await openChat(person.page, person.other)
      person.online = true
    }

    // the plan: a warm-up, then each fault with traffic during and after it, then the rest
    const began = Date.now()
    const progress = (what: string): void => { console.log(`  soak ${String(Date.now() - began).padStart(6)} ms  ${what} (sent ${seq})`) }
    const phase = Math.floor(plan.messages / (plan.faults.length + 2))
    await sendSome(phase)
    for (const fault of plan.faults) {
      progress(`fault: ${fault}`)
      switch (fault) {
        case 'relay-restart':
          await lab.relay.stop()
          await sendSome(DURING_FAULT)
          await lab.relay.start()
          break
        case 'link-flap':
          await bob.site.setLink(false)
          await sendSome(DURING_FAULT)
          await bob.site.setLink(true)
          break
        case 'loss-latency':
          await alice.site.impair(DELAY_MS, LOSS_PCT)
          await sendSome(phase - DURING_FAULT)
          await alice.site.impair(0, 0)
          break
        case 'tab-close': {
          // the first tab hosts Alice's WebRTC; a second one takes over
          const first = alice.page
          await reopen(alice)
          await first.close()
          break
        }
        case 'reload':
          await bob.page.reload()
          await openChat(bob.page, 'Alice')
          break
        case 'offline-minute': {
          for (const page of bob.lab.context.pages()) await page.close()
          bob.online = false
          // Alice writes all the minute Bob is away (her messages wait on the relay)
          const away = Date.now()
          while (Date.now() - away < OFFLINE_MS) {
            if (plan.messages - seq <= RESERVED_AFTER_OFFLINE) {
              throw new Error(`Alice sent ${seq} of ${plan.messages} messages before Bob's minute away ended: give the plan more messages`)
            }
            await sendSome(1, alice)
          }
          await reopen(bob)
          break
        }
      }
      await sendSome(DURING_FAULT)
    }
    progress('the rest')
    await sendSome(plan.messages - seq)
    progress('all sent; waiting for every message to arrive')
    const sent = alice.sent.length + bob.sent.length
    expect(sent).toBe(plan.messages)

    // everything arrives, once, and every sender sees it delivered
    const check = async (): Promise<{ atBob: Tally, atAlice: Tally, undelivered: number }> => {
      const [rowsA, rowsB] = await Promise.all([readMessages(alice.page), readMessages(bob.page)])
      const undelivered = [...rowsA, ...rowsB].filter(r => r.direction === 'out' && parseSoak(r) != null && r.state !== 'delivered' && r.state !== 'read').length
      return { atBob: tallyIncoming(rowsB, alice), atAlice: tallyIncoming(rowsA, bob), undelivered }
    }
    await expect.poll(async () => {
      const { atBob, atAlice, undelivered } = await check()
      return { missing: atBob.missing.length + atAlice.missing.length, undelivered }
    }, { timeout: SETTLE_MS, intervals: [1000] }).toEqual({ missing: 0, undelivered: 0 })
    progress('all arrived')
    const { atBob, atAlice } = await check()
    const received = atBob.received + atAlice.received
    const duplicated = atBob.duplicated + atAlice.duplicated
    await recordLine(`soak sent=${sent} received=${received} lost=${sent - received} duplicated=${duplicated} out_of_order=${atBob.outOfOrder + atAlice.outOfOrder}`)
    expect(received).toBe(sent)
    expect(duplicated).toBe(0)

    // files: whole, with the hash they were offered with
    for (const [from, to] of [[alice, bob], [bob, alice]] as const) {
      for (const file of from.files) {
        // read from the DB: an early file is no longer in the chat's window of rows
        await expect.poll(async () => (await transferRecord(to.page, file.name))?.state, { timeout: SETTLE_MS }).toBe('complete')
        const row = (await readMessages(to.page)).find(r => r.file?.name === file.name)
        expect(row?.file?.sha256).toBe(file.sha256)
      }
    }
  } finally {
    await Promise.allSettled(launched.map(async p => await p.close()))
    await siteA.remove()
    await siteB.remove()
    await rm(dir, { recursive: true, force: true })
  }
}

const SEED = Number(process.env['LAB_SEED'] ?? Date.now() % 1_000_000)

test.describe('fault soak', () => {
  test(`${QUICK.messages} messages both ways with a relay-node restart and a link down/up`, { tag: ['@subset', '@quick'] }, async ({ lab }) => {
    test.setTimeout(10 * 60_000)
    console.log(`soak seed ${SEED} (replay with LAB_SEED=${SEED})`)
    await soak(lab, QUICK, SEED)
  })

  test(`${FULL.messages} messages both ways through every fault`, { tag: ['@full'] }, async ({ lab }) => {
    test.setTimeout(30 * 60_000)
    console.log(`soak seed ${SEED} (replay with LAB_SEED=${SEED})`)
    await soak(lab, FULL, SEED)
  })
})

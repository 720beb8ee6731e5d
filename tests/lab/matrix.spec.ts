/**
 * The scenario matrix: every pair of NAT types, each person a real Chromium
 * behind a router of that type, relay-node and coturn (STUN) on the public
 * side. For each pair: do they connect, is the chat direct or relayed, how
 * long to the first message and to the direct upgrade. Then the pairs that
 * stay relayed, again with coturn also offered as TURN: direct through TURN.
 * Then a few rows with Bob in Firefox ESR (Alice in Chromium).
 *
 *   lab <natA>-<natB>[+turn] browsers=<alice>,<bob> connected=<yes|no> path=<direct|relayed> first_msg_ms=<n> direct_ms=<n|->
 */
import { expect, recordLine, test, type Lab } from './fixtures.ts'
import { expectDirect, NAT_TYPES, type NatType } from './netlab.ts'
import { connectionHistory, failedAttempts, selectedCandidates, withPair } from './services.ts'
import type { BrowserName } from '../support/browsers.ts'
import { addContact, connectionPath, message, onboard, readInvite, send } from '../e2e/helpers/parley.ts'
import type { Page } from '@playwright/test'

/** Waiting for the upgrade: the app tries for 20 s per attempt (UPGRADE_TIMEOUT_MS) and retries after 2 s, 4 s… */
const DIRECT_WAIT_MS = 60_000
const POLL_MS = 50

interface Outcome {
  path: 'direct' | 'relayed'
  firstMsgMs: number
  directMs: number | undefined
  candidates: string[]
}

/**
 * Resolves when `page`'s chat badge says direct ('direct'), or a WebRTC
 * attempt there ended unconnected ('failed'), with the page's clock then
 * (`performance.now()`, to set beside its peer connections' history).
 */
async function directOrFailed (page: Page, timeoutMs: number, acceptFailure: boolean): Promise<{ result: 'direct' | 'failed' | 'timeout', pageMs?: number }> {
  try {
    const handle = await page.waitForFunction((acceptFail) => {
      const path = document.querySelector('[data-testid="connection-path"]')?.getAttribute('data-path')
      if (path === 'direct') return { result: 'direct', pageMs: performance.now() }
      const list = (globalThis as unknown as { __labPeerConnections?: Array<{ connected: boolean, ended: boolean }> }).__labPeerConnections ?? []
      return acceptFail && list.some(e => e.ended && !e.connected) ? { result: 'failed', pageMs: performance.now() } : false
    }, acceptFailure, { polling: POLL_MS, timeout: timeoutMs })
    return await handle.jsonValue() as { result: 'direct' | 'failed', pageMs: number }
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return { result: 'timeout' }
    throw err
  }
}

/**
 * One scenario. Its `lab …` line is recorded as soon as the path is known,
 * before the checks that follow (both badges agree, chat works on that path),
 * so a failing check still leaves what was measured; a scenario that never
 * got a message across records `connected=no`.
 */
async function pair (lab: Lab, natA: NatType, natB: NatType, turn: boolean, browsers: [BrowserName, BrowserName] = ['chromium', 'chromium']): Promise<Outcome> {
  const name = `${natA}-${natB}${turn ? '+turn' : ''} browsers=${browsers.join(',')}`
  let recorded = false
  try {
    return await withPair(lab, [natA, natB], { url: turn ? lab.turnUrl : lab.url, browsers }, async (alice, bob) => {
      await Promise.all([onboard(alice.page, 'Alice'), onboard(bob.page, 'Bob')])
      const a = await readInvite(alice.page)
      const b = await readInvite(bob.page)

      // Alice's contact request is the first connection between the two
      const start = Date.now()
      const startPageMs = await alice.page.evaluate(() => performance.now())
      await addContact(alice.page, b.invite, 'Bob')
      const upgrade = (async () => {
        let outcome = await directOrFailed(alice.page, DIRECT_WAIT_MS, !expectDirect(natA, natB, turn))
        // an expected-direct pair may fail an attempt and succeed on the retry
        if (outcome.result === 'failed' && expectDirect(natA, natB, turn)) outcome = await directOrFailed(alice.page, DIRECT_WAIT_MS, false)
        return { ...outcome, at: Date.now() }
      })()
      // awaited below; if a step before that fails, the page closes under it
      upgrade.catch(() => {})
      await addContact(bob.page, a.invite, 'Alice')
      // on Alice's clock: Bob's side had accepted by then
      const acceptedPageMs = await alice.page.evaluate(() => performance.now())

      const sentAt = Date.now()
      await send(alice.page, 'first message')
      await expect(message(bob.page, 'first message')).toBeVisible()
      const firstMsgMs = Date.now() - sentAt
      await send(bob.page, 'and back')
      await expect(message(alice.page, 'and back')).toBeVisible()

      const { result, at, pageMs } = await upgrade
      const path = result === 'direct' ? 'direct' : 'relayed'
      const directMs = path === 'direct' ? at - start : undefined
      await recordLine(`lab ${name} connected=yes path=${path} first_msg_ms=${firstMsgMs} direct_ms=${directMs ?? '-'}`)
      recorded = true
      // the badge agrees on both sides, and chat still works on that path
      await expect(connectionPath(alice.page), `Alice's chat shows ${path}`).toHaveAttribute('data-path', path)
      await expect(connectionPath(bob.page), `Bob's chat shows the path Alice's upgrade took (${path})`).toHaveAttribute('data-path', path)
      await send(bob.page, `over the ${path} path`)
      await expect(message(alice.page, `over the ${path} path`)).toBeVisible()
      const candidates = path === 'direct' ? [...await selectedCandidates(alice.page), ...await selectedCandidates(bob.page)] : []
      if (process.env['LAB_VERBOSE'] === '1') {
        console.log(`  Alice's clock: request sent at ${(startPageMs / 1000).toFixed(1)} s, Bob had accepted by ${(acceptedPageMs / 1000).toFixed(1)} s, badge ${result} at ${pageMs === undefined ? '-' : `${(pageMs / 1000).toFixed(1)} s`}`)
        for (const [who, person] of [['Alice', alice], ['Bob', bob]] as const) console.log(`  ${who}'s peer connections:\n    ${(await connectionHistory(person.page)).join('\n    ')}`)
      }
      if (candidates.length > 0) console.log(`  ${name} ICE pairs selected (local/remote, Alice then Bob): ${candidates.join(' ')}`)
      if (path === 'relayed') expect(await failedAttempts(alice.page) + await failedAttempts(bob.page)).toBeGreaterThan(0)
      return { path, firstMsgMs, directMs, candidates }
    })
  } catch (err) {
    if (!recorded) await recordLine(`lab ${name} connected=no path=- first_msg_ms=- direct_ms=-`)
    throw err
  }
}

const SUBSET = new Set(['cone-symmetric', 'cone-udpblocked'])

const pairs: Array<[NatType, NatType]> = []
NAT_TYPES.forEach((a, i) => { for (const b of NAT_TYPES.slice(i)) pairs.push([a, b]) })

test.describe('NAT matrix', () => {
  for (const [a, b] of pairs) {
    const name = `${a}-${b}`
    const tag = SUBSET.has(name) ? ['@subset'] : []
    test(`${name}: connected, ${expectDirect(a, b, false) ? 'direct' : 'relayed'} (STUN only)`, { tag }, async ({ lab }) => {
      const outcome = await pair(lab, a, b, false)
      expect(outcome.path).toBe(expectDirect(a, b, false) ? 'direct' : 'relayed')
      // direct with STUN alone never goes through a TURN relay
      for (const c of outcome.candidates) expect(c).not.toContain('relay')
    })
  }

  for (const [a, b] of pairs.filter(([a, b]) => !expectDirect(a, b, false))) {
    const name = `${a}-${b}+turn`
    test(`${name}: direct through TURN`, async ({ lab }) => {
      const outcome = await pair(lab, a, b, true)
      expect(outcome.path).toBe('direct')
      expect(outcome.candidates.some(c => c.includes('relay'))).toBe(true)
    })
  }
})

/** Rows with Bob in Firefox ESR: its ICE agent against Chromium's behind the same routers. */
const FIREFOX_ROWS: Array<[NatType, NatType, boolean]> = [
  ['cone', 'restricted', false],
  ['cone', 'symmetric', false],
  ['symmetric', 'symmetric', true]
]

test.describe('NAT matrix, Chromium and Firefox', () => {
  for (const [a, b, turn] of FIREFOX_ROWS) {
    const direct = expectDirect(a, b, turn)
    test(`${a}-${b}${turn ? '+turn' : ''}, Alice in Chromium, Bob in Firefox: connected, ${direct ? 'direct' : 'relayed'}${turn ? ' through TURN' : ' (STUN only)'}`, async ({ lab }) => {
      const outcome = await pair(lab, a, b, turn, ['chromium', 'firefox'])
      expect(outcome.path).toBe(direct ? 'direct' : 'relayed')
      if (turn) expect(outcome.candidates.some(c => c.includes('relay'))).toBe(true)
      else for (const c of outcome.candidates) expect(c).not.toContain('relay')
    })
  }
})

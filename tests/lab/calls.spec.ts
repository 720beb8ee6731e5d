/**
 * Calls across the lab's NATs (issue 25): Alice (Chromium's fake camera and
 * microphone) calls Bob with video, he answers, and audio and video flow
 * both ways; once where STUN alone gives a direct path, once where only
 * coturn relaying over TCP can carry the media (Bob's network sends no UDP).
 * The call's RTCPeerConnection uses the node's ICE servers, the same as the
 * chat's: the lab's app config lists coturn as STUN, or as STUN and TURN.
 *
 *   lab call <natA>-<natB>[+turn] path=<direct|turn> setup_ms=<n> audio_packets=<alice>,<bob> video_frames=<alice>,<bob>
 */
import { expect, recordLine, test, type Lab } from './fixtures.ts'
import { expectDirect, type NatType } from './netlab.ts'
import { selectedCandidates, withPair } from './services.ts'
import { answerToFirstFrame, callCounters } from '../support/peer-connections.ts'
import { befriend } from '../e2e/helpers/parley.ts'
import type { Page } from '@playwright/test'

/** Ringing, connecting, the first frames: seconds in the lab; this is for a call that never comes. */
const CALL_WAIT_MS = 30_000
/** The counters printed are what each side received in this window (a measurement, not a wait). */
const COUNT_WINDOW_MS = 2000

interface CallRow {
  nats: [NatType, NatType]
  turn: boolean
}

const ROWS: CallRow[] = [
  // direct with STUN alone: the symmetric side's fresh port reaches the full cone
  { nats: ['cone', 'symmetric'], turn: false },
  // no UDP leaves Bob's network: only coturn, reached over TCP, carries the media
  { nats: ['cone', 'udpblocked'], turn: true }
]

/** Both sides' media counters grow by more than a few packets and frames (the call is live, not a first burst). */
async function expectMediaFlowing (page: Page): Promise<void> {
  const first = await callCounters(page)
  await expect.poll(async () => (await callCounters(page)).videoFramesIn, { timeout: CALL_WAIT_MS }).toBeGreaterThan(first.videoFramesIn + 10)
  await expect.poll(async () => (await callCounters(page)).audioIn, { timeout: CALL_WAIT_MS }).toBeGreaterThan(first.audioIn + 10)
}

async function callRow (lab: Lab, { nats: [natA, natB], turn }: CallRow): Promise<void> {
  const row = `${natA}-${natB}${turn ? '+turn' : ''}`
  let recorded = false
  try {
    await withPair(lab, [natA, natB], { url: turn ? lab.turnUrl : lab.url, calls: true }, async (alice, bob) => {
      const [a, b] = [alice.page, bob.page]
      await befriend(a, b)
      await a.getByRole('button', { name: 'Video call with Bob' }).click()
      await expect(b.getByTestId('call')).toHaveAttribute('data-phase', 'ringing', { timeout: CALL_WAIT_MS })
      // Answer pressed → the first remote video frame decoded in Bob's tab (as `bench call_setup_ms`)
      const setupMs = Math.round(await answerToFirstFrame(b, CALL_WAIT_MS))
      for (const page of [a, b]) await expect(page.getByTestId('call')).toHaveAttribute('data-phase', 'active', { timeout: CALL_WAIT_MS })
      for (const page of [a, b]) await expectMediaFlowing(page)
      const [inA, inB] = await Promise.all([callCounters(a, COUNT_WINDOW_MS), callCounters(b, COUNT_WINDOW_MS)])
      const pairs = [...await selectedCandidates(a, 'calls'), ...await selectedCandidates(b, 'calls')]
      const path = pairs.some(p => p.split('/').includes('relay')) ? 'turn' : 'direct'
      await recordLine(`lab call ${row} path=${path} setup_ms=${setupMs} audio_packets=${inA.audioIn},${inB.audioIn} video_frames=${inA.videoFramesIn},${inB.videoFramesIn}`)
      recorded = true
      console.log(`  call ${row} ICE pairs selected (local/remote, Alice then Bob): ${pairs.join(' ')}`)

      // one call connection each side, media both ways in the window too
      expect(pairs).toHaveLength(2)
      for (const counts of [inA, inB]) {
        expect(counts.audioIn).toBeGreaterThan(0)
        expect(counts.videoFramesIn).toBeGreaterThan(0)
      }
      for (const page of [a, b]) {
        const quality = page.getByTestId('call-quality')
        if (turn) {
          await expect(quality).toHaveAttribute('data-turn', '', { timeout: CALL_WAIT_MS })
          await expect(quality).toContainText('through a TURN relay')
        } else {
          await expect(quality).toHaveText(/ · direct( · |$)/, { timeout: CALL_WAIT_MS })
          await expect(quality).not.toHaveAttribute('data-turn')
        }
      }
      for (const pair of pairs) {
        const [local, remote] = pair.split('/')
        if (turn) {
          expect([local, remote], `${pair}: a TURN relay on one side`).toContain('relay')
        } else {
          expect([local, remote], `${pair}: no TURN relay`).not.toContain('relay')
          // private addresses do not route between the sites: the peer is seen at its NAT's public address
          expect(['srflx', 'prflx'], `${pair}: the remote candidate is a NAT's public mapping`).toContain(remote)
        }
      }

      await a.getByRole('button', { name: 'Hang up' }).click()
      for (const page of [a, b]) await expect(page.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: CALL_WAIT_MS })
    })
  } catch (err) {
    if (!recorded) await recordLine(`lab call ${row} path=- setup_ms=- audio_packets=- video_frames=-`)
    throw err
  }
}

test.describe('NAT lab calls', () => {
  for (const call of ROWS) {
    const [a, b] = call.nats
    const title = call.turn
      ? `${a}-${b}+turn: a video call through a TURN relay (no direct path with STUN)`
      : `${a}-${b}: a video call, direct with STUN only`
    test(title, { tag: ['@subset'] }, async ({ lab }) => {
      // the rows are what they say: STUN alone finds a path in the one, not in the other
      expect(expectDirect(a, b, false)).toBe(!call.turn)
      await callRow(lab, call)
    })
  }
})

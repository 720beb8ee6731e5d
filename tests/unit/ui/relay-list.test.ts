import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import OwnAddresses from '../../../src/lib/ui/OwnAddresses.svelte'
import RelayList from '../../../src/lib/ui/RelayList.svelte'
import type { RelayInfo, RelayState } from '../../../src/lib/contract/index.ts'

/**
 * The Network panel's relay lines, rendered with props alone: each state in
 * words, en and ru. A relay's WebRTC-Direct line beside its connected
 * WebSocket one is "not used", in a browser without WebRTC "not available",
 * never "Connecting…" next to when it last connected and its round trip.
 */

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const WS = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${PEER}`
const DIRECT = `/ip4/127.0.0.1/udp/9002/webrtc-direct/certhash/uEiA/p2p/${PEER}`

function relay (multiaddr: string, state: RelayState, extra: Partial<RelayInfo> = {}): RelayInfo {
  return { multiaddr, peerId: PEER, source: 'default', active: state !== 'disabled', state, failures: 0, lastConnected: Date.UTC(2026, 10, 29, 6, 26), lastRtt: 4, ...extra }
}

function lines (relays: RelayInfo[]): string[] {
  const { body } = render(RelayList, { props: { relays, outcomes: {}, busy: {}, ontest: () => {}, ontoggle: () => {}, onremove: () => {} } })
  return body.split('<li').slice(1).map(text)
}

describe('a relay\'s line', () => {
  it.each([
    ['reserved', 'Connected; contacts can reach you through it'],
    ['connected', 'Connected'],
    ['standby', 'Not used: Parley is connected to this relay over another of its addresses'],
    ['connecting', 'Connecting…'],
    ['unavailable', 'Not available in this browser: this address needs WebRTC'],
    ['disabled', 'Disabled']
  ] as Array<[RelayState, string]>)('%s: %s', (state, words) => {
    expect(lines([relay(WS, state)])[0]).toContain(words)
  })

  it('failing: how many attempts failed', () => {
    expect(lines([relay(WS, 'failing', { failures: 3 })])[0]).toContain('Cannot connect (3 failed attempts)')
  })

  it('a relay connected over WebSocket: its WebRTC-Direct line says it is not used, with no spinner word', () => {
    const [ws, direct] = lines([relay(WS, 'reserved'), relay(DIRECT, 'standby')])
    expect(ws).toContain('Connected; contacts can reach you through it')
    expect(direct).toContain('Not used')
    expect(direct).toContain('Last connected')
    expect(direct).not.toContain('Connecting')
  })

  it('unavailable in this browser: nothing to test', () => {
    const { body } = render(RelayList, { props: { relays: [relay(DIRECT, 'unavailable')], outcomes: {}, busy: {}, ontest: () => {}, ontoggle: () => {}, onremove: () => {} } })
    expect(body).toMatch(/<button[^>]*id="[^"]*-test"[^>]*disabled/)
    expect(body).toContain('data-state="unavailable"')
  })

  it('in Russian', () => {
    setLocale('ru')
    expect(lines([relay(DIRECT, 'standby')])[0]).toContain('Не используется')
    expect(lines([relay(DIRECT, 'unavailable')])[0]).toContain('Недоступен в этом браузере')
  })
})

describe('your addresses', () => {
  it('each shortened, whole in its tooltip and its Copy button\'s name; one button shows them in full', () => {
    const address = `${WS}/p2p-circuit/p2p/12D3KooWQxPRrLJGcqyBLNdbjMDwhEeWyNXA2Qv2tMbu6H5iWq2e`
    const { body } = render(OwnAddresses, { props: { addresses: [address] } })
    expect(text(body)).toContain('/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3Ko…nXTN/p2p-circuit/p2p/12D3Ko…Wq2e')
    expect(text(body)).not.toContain(address)
    expect(body).toContain(`title="${address}"`)
    const id = new RegExp(`id="([^"]+)"[^>]*title="${address}"`).exec(body)?.[1]
    expect(body).toContain(`aria-labelledby="${id ?? '-'}-copy ${id ?? '-'}"`)
    expect(body).toMatch(/<button[^>]*aria-expanded="false"[^>]*>Show them in full<\/button>/)
  })
})

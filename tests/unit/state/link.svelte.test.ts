/**
 * Linking a device, in the tab (state/link.svelte.ts; issue 58) against a
 * fake node and a manual clock: where the link stands is read at start and
 * then followed in `link` events (a view of the other side, or one that
 * ended before the tab looked, is not shown); each action calls its method
 * (confirmLink with same true and false); pasted text that cannot be a code
 * is not sent, and a typed short code is told from a pasted offer by its
 * form (linkByCode), a typo named and not sent; the QR code expires on the clock and a new one is asked for;
 * cancelling drops a start's late answer and leaves nothing shown.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LINK_QR_PREFIX as PROTOCOL_PREFIX } from '@parley/protocol/link/constants'
import { LINK_QR_CHARS, LINK_QR_PREFIX } from '../../../src/lib/contract/methods/link.ts'
import type { LinkView } from '../../../src/lib/contract/link-types.ts'
import { newShortCode, SHORT_CODE_ALPHABET } from '@parley/protocol/link-code/short-code'
import { checkQrText, LinkManager, type LinkClock, type LinkNode, type LinkRole } from '../../../src/lib/state/link.svelte.ts'
import { fakeCall, type FakeAnswers } from '../../support/fake-node.ts'

afterEach(() => { vi.restoreAllMocks() })

const QR = 'parley-link:AAAA'
/** A short code of fixed characters (`1234-5678-9AB?`, the last its check). */
const SHORT_CODE = newShortCode(() => Uint8Array.from({ length: 11 }, (_, i) => i + 1))
/** Another character of the alphabet in place of `ch`. */
const typo = (ch: string): string => SHORT_CODE_ALPHABET[(SHORT_CODE_ALPHABET.indexOf(ch) + 1) % 32] ?? ''
const NOW = Date.UTC(2026, 10, 29, 22)

/** A clock that moves only when told, running what was due. */
function manualClock (): LinkClock & { advance: (ms: number) => void, pending: () => number } {
  let now = NOW
  let timers: Array<{ at: number, fn: () => void }> = []
  return {
    now: () => now,
    after: (ms, fn) => {
      const timer = { at: now + ms, fn }
      timers.push(timer)
      return () => { timers = timers.filter(t => t !== timer) }
    },
    advance: (ms) => {
      now += ms
      const due = timers.filter(t => t.at <= now)
      timers = timers.filter(t => t.at > now)
      for (const t of due) t.fn()
    },
    pending: () => timers.length
  }
}

function setup (role: LinkRole, answers: FakeAnswers = {}, current: LinkView | null = null) {
  const listeners = new Set<(view: LinkView) => void>()
  const fake = fakeCall({ getLink: () => current, ...answers })
  let refreshed = 0
  const node: LinkNode = {
    call: fake.call as LinkNode['call'],
    onLink: (l) => { listeners.add(l); return () => { listeners.delete(l) } },
    refresh: async () => { refreshed++ }
  }
  const clock = manualClock()
  const manager = new LinkManager(node, role, clock)
  return {
    manager, fake, clock,
    emit: (view: LinkView) => { for (const l of [...listeners]) l(view) },
    listeners: () => listeners.size,
    refreshed: () => refreshed,
    loaded: async () => { await vi.waitFor(() => { expect(manager.loaded).toBe(true) }) }
  }
}

const waiting = (over: Partial<LinkView> = {}): LinkView => ({ id: 'run-1', role: 'new', phase: 'waiting', qr: QR, expiresAt: NOW + 120_000, ...over })
const existing = (phase: LinkView['phase'], over: Partial<LinkView> = {}): LinkView => ({ id: 'run-1', role: 'existing', phase, ...over })

describe('the link manager: where the link stands', () => {
  it('shows a link under way read at start, and follows the node\'s events', async () => {
    const { manager, emit, loaded } = setup('existing', {}, existing('connecting'))
    await loaded()
    expect(manager.view?.phase).toBe('connecting')
    expect(manager.underWay).toBe(true)
    emit(existing('confirm', { code: '123456', device: '12D3KooWPhone' }))
    expect(manager.view).toEqual({ id: 'run-1', role: 'existing', phase: 'confirm', code: '123456', device: '12D3KooWPhone' })
    emit(existing('transfer', { progress: { done: 45, total: 100 } }))
    expect(manager.view?.progress).toEqual({ done: 45, total: 100 })
    emit(existing('done'))
    expect(manager.view?.phase).toBe('done')
    expect(manager.underWay).toBe(false)
    manager.dismiss()
    expect(manager.view).toBeNull()
  })

  it('does not show a link that had ended before the tab looked, nor one of the other side', async () => {
    const { manager, emit, loaded } = setup('existing', {}, existing('ended', { reason: 'declined' }))
    await loaded()
    expect(manager.view).toBeNull()
    emit(waiting())
    expect(manager.view).toBeNull()
    // a link's end heard here after it was seen under way is shown, with its reason
    emit(existing('connecting', { id: 'run-2' }))
    emit(existing('ended', { id: 'run-2', reason: 'mismatch', byPeer: true }))
    expect(manager.view).toEqual({ id: 'run-2', role: 'existing', phase: 'ended', reason: 'mismatch', byPeer: true })
  })

  it('never shows a view of an earlier run as the current one: a late end, or a late answer to getLink', async () => {
    const read = Promise.withResolvers<LinkView | null>()
    const { manager, emit } = setup('new', { getLink: async () => read.promise, linkAsNewDevice: () => waiting({ id: 'run-2' }) })
    await manager.start()
    expect(manager.view).toMatchObject({ id: 'run-2', phase: 'waiting' })
    // the first read answers now with the end of an earlier run
    read.resolve({ id: 'run-1', role: 'new', phase: 'ended', reason: 'expired' })
    await vi.waitFor(() => { expect(manager.loaded).toBe(true) })
    expect(manager.view).toMatchObject({ id: 'run-2', phase: 'waiting' })
    emit({ id: 'run-1', role: 'new', phase: 'ended', reason: 'declined', byPeer: true })
    expect(manager.view).toMatchObject({ id: 'run-2', phase: 'waiting' })
    // the current run's own end is shown
    emit({ id: 'run-2', role: 'new', phase: 'ended', reason: 'timeout' })
    expect(manager.view).toMatchObject({ id: 'run-2', phase: 'ended', reason: 'timeout' })
  })

  it('a run started in another tab is taken up once seen under way; a dismissed one is not shown again', async () => {
    const { manager, emit, loaded } = setup('existing')
    await loaded()
    emit(existing('connecting', { id: 'other-tab' }))
    expect(manager.view?.id).toBe('other-tab')
    emit(existing('ended', { id: 'other-tab', reason: 'declined' }))
    manager.dismiss()
    expect(manager.view).toBeNull()
    emit(existing('ended', { id: 'other-tab', reason: 'declined' }))
    expect(manager.view).toBeNull()
  })

  it('says a failed read in words, and stops following the node once disposed', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { manager, emit, listeners, loaded } = setup('new', { getLink: () => { throw new Error('the node is gone') } })
    await loaded()
    expect(manager.error).toBe('the node is gone')
    expect(logged).toHaveBeenCalledOnce()
    manager.dispose()
    expect(listeners()).toBe(0)
    emit(waiting())
    expect(manager.view).toBeNull()
  })
})

describe('the new device', () => {
  it('starts with linkAsNewDevice and shows its QR code; once done, asks the node where it stands so the app opens', async () => {
    const { manager, fake, emit, refreshed, loaded } = setup('new', { linkAsNewDevice: () => waiting() })
    await loaded()
    await manager.start()
    expect(fake.calls.map(c => c.method)).toEqual(['getLink', 'linkAsNewDevice'])
    expect(manager.view?.qr).toBe(QR)
    expect(manager.expired).toBe(false)
    emit({ id: 'run-1', role: 'new', phase: 'confirm', code: '654321', accountName: 'Alice' })
    expect(manager.view?.accountName).toBe('Alice')
    emit({ id: 'run-1', role: 'new', phase: 'done' })
    expect(refreshed()).toBe(1)
    await manager.enter()
    expect(refreshed()).toBe(2)
  })

  it('says when the QR code expired, on the clock, and a new one is made on request', async () => {
    let made = 0
    const { manager, clock, loaded } = setup('new', { linkAsNewDevice: () => waiting({ qr: `${QR}${++made}`, expiresAt: NOW + made * 120_000 }) })
    await loaded()
    await manager.start()
    clock.advance(119_999)
    expect(manager.expired).toBe(false)
    clock.advance(1)
    expect(manager.expired).toBe(true)
    await manager.start()
    expect(manager.view?.qr).toBe(`${QR}2`)
    expect(manager.expired).toBe(false)
    // one timer, for the new code only
    expect(clock.pending()).toBe(1)
    manager.dispose()
    expect(clock.pending()).toBe(0)
  })

  it('an expiresAt already past is expired at once; the confirm phase keeps no timer', async () => {
    const { manager, clock, emit, loaded } = setup('new')
    await loaded()
    emit(waiting({ expiresAt: NOW - 1 }))
    expect(manager.expired).toBe(true)
    emit(waiting())
    expect(manager.expired).toBe(false)
    emit({ id: 'run-1', role: 'new', phase: 'confirm', code: '654321', expiresAt: NOW + 5 })
    expect(clock.pending()).toBe(0)
    expect(manager.expired).toBe(false)
  })

  it('cancelling while the code is made drops the start\'s late answer and leaves nothing shown', async () => {
    const started = Promise.withResolvers<LinkView>()
    const { manager, fake, emit, loaded } = setup('new', {
      linkAsNewDevice: async () => started.promise,
      cancelLink: () => ({ id: 'run-1', role: 'new', phase: 'ended', reason: 'declined' })
    })
    await loaded()
    const starting = manager.start()
    expect(manager.busy).toBe(true)
    const cancelling = manager.cancel()
    // the run being cancelled tells where it stood meanwhile: not taken up
    emit(waiting())
    expect(manager.view).toBeNull()
    await cancelling
    expect(fake.calls.map(c => c.method)).toEqual(['getLink', 'linkAsNewDevice', 'cancelLink'])
    expect(manager.busy).toBe(false)
    started.resolve(waiting())
    await starting
    expect(manager.view).toBeNull()
    // the end the node announces after a cancel here is not shown either
    emit({ id: 'run-1', role: 'new', phase: 'ended', reason: 'declined' })
    expect(manager.view).toBeNull()
  })

  it('an ended link shows its reason, and trying again starts over', async () => {
    const { manager, emit, fake, loaded } = setup('new', { linkAsNewDevice: () => waiting() })
    await loaded()
    await manager.start()
    emit({ id: 'run-1', role: 'new', phase: 'ended', reason: 'declined', byPeer: true })
    expect(manager.view?.reason).toBe('declined')
    await manager.start()
    expect(manager.view?.phase).toBe('waiting')
    expect(fake.calls.filter(c => c.method === 'linkAsNewDevice')).toHaveLength(2)
  })
})

describe('the existing device', () => {
  it('opens the scan step; pasted text is trimmed and sent with linkDevice; the dial\'s answer closes the step', async () => {
    const { manager, fake, loaded } = setup('existing', { linkDevice: () => existing('connecting') })
    await loaded()
    manager.open()
    expect(manager.scanning).toBe(true)
    await manager.link(`  ${QR}\n`)
    expect(fake.calls.at(-1)).toEqual({ method: 'linkDevice', params: { qr: QR } })
    expect(manager.scanning).toBe(false)
    expect(manager.view?.phase).toBe('connecting')
  })

  it('sends no text that cannot be a code, and keeps the scan step open with the reason of a code refused', async () => {
    const { manager, fake, loaded } = setup('existing', { linkDevice: () => existing('ended', { reason: 'bad-qr' }) })
    await loaded()
    manager.open()
    await manager.link('  ')
    expect(manager.problem).toBe('empty')
    await manager.link(LINK_QR_PREFIX + 'x'.repeat(LINK_QR_CHARS))
    expect(manager.problem).toBe('bad-qr')
    await manager.link('https://parley.example/#/add/eyJ2IjoxfQ')
    expect(manager.problem).toBe('invite')
    await manager.link('https://example.org/not-a-link')
    expect(manager.problem).toBe('not-code')
    expect(fake.calls.map(c => c.method)).toEqual(['getLink'])
    await manager.link('parley-link:not-base64!')
    expect(manager.problem).toBeUndefined()
    expect(manager.scanning).toBe(true)
    expect(manager.view).toEqual(existing('ended', { reason: 'bad-qr' }))
    manager.close()
    expect(manager.scanning).toBe(false)
  })

  it('sends a typed short code with linkByCode in its canonical form; one with a typo is named and not sent', async () => {
    const { manager, fake, loaded } = setup('existing', { linkByCode: () => existing('ended', { reason: 'code-expired' }) })
    await loaded()
    manager.open()
    await manager.link(SHORT_CODE.replaceAll('-', '').toLowerCase().slice(0, 11) + typo(SHORT_CODE.at(-1) ?? ''))
    expect(manager.problem).toBe('bad-code')
    expect(fake.calls.map(c => c.method)).toEqual(['getLink'])
    await manager.link(` ${SHORT_CODE.toLowerCase().replaceAll('-', ' ')} `)
    expect(manager.problem).toBeUndefined()
    expect(fake.calls.at(-1)).toEqual({ method: 'linkByCode', params: { code: SHORT_CODE } })
    // why the relays refused it stays in the scan step, in its words (ui/link-words.ts)
    expect(manager.view).toEqual(existing('ended', { reason: 'code-expired' }))
    expect(manager.scanning).toBe(true)
  })

  it('confirms with confirmLink: same true when the codes are the same, false when they differ', async () => {
    const { manager, fake, emit, loaded } = setup('existing', {
      confirmLink: ({ same }) => same ? existing('transfer', { progress: { done: 0, total: 10 } }) : existing('ended', { reason: 'mismatch' })
    })
    await loaded()
    emit(existing('confirm', { code: '123456' }))
    await manager.confirm(true)
    expect(fake.calls.at(-1)).toEqual({ method: 'confirmLink', params: { same: true } })
    expect(manager.view?.phase).toBe('transfer')
    emit(existing('confirm', { code: '123456' }))
    await manager.confirm(false)
    expect(fake.calls.at(-1)).toEqual({ method: 'confirmLink', params: { same: false } })
    expect(manager.view).toEqual(existing('ended', { reason: 'mismatch' }))
  })

  it('says a refused call in words and keeps the link as it was', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { manager, emit, loaded } = setup('existing', { confirmLink: () => { throw new Error('no link is waiting for a confirmation') } })
    await loaded()
    emit(existing('confirm', { code: '123456' }))
    await manager.confirm(true)
    expect(manager.error).toBe('no link is waiting for a confirmation')
    expect(logged).toHaveBeenCalledOnce()
    expect(manager.view?.phase).toBe('confirm')
    expect(manager.busy).toBe(false)
  })
})

describe('text given as a code', () => {
  it('is told apart by its form: an offer, a typed short code (any case, spaces or none, I/L as 1 and O as 0), or a short code with a typo', () => {
    expect(checkQrText(SHORT_CODE)).toEqual({ code: SHORT_CODE })
    const typed = SHORT_CODE.toLowerCase().replaceAll('-', '  ').replaceAll('1', 'l').replaceAll('0', 'o')
    expect(checkQrText(`\t${typed}\n`)).toEqual({ code: SHORT_CODE })
    expect(checkQrText(SHORT_CODE.replaceAll('-', ''))).toEqual({ code: SHORT_CODE })
    // one character wrong, two swapped, one missing, a U (not in the alphabet): a typo, not sent
    const chars = SHORT_CODE.replaceAll('-', '')
    expect(checkQrText(chars.slice(0, 5) + typo(chars[5] ?? '') + chars.slice(6))).toEqual({ problem: 'bad-code' })
    expect(checkQrText((chars[1] ?? '') + (chars[0] ?? '') + chars.slice(2))).toEqual({ problem: 'bad-code' })
    expect(checkQrText(chars.slice(1))).toEqual({ problem: 'bad-code' })
    expect(checkQrText(`${chars.slice(0, 11)}U`)).toEqual({ problem: 'bad-code' })
    // an offer is an offer, a word is no code
    expect(checkQrText(QR)).toEqual({ qr: QR })
    expect(checkQrText('hello there')).toEqual({ problem: 'not-code' })
  })

  it('is trimmed; empty or longer than the contract takes is refused', () => {
    expect(checkQrText(` ${QR} `)).toEqual({ qr: QR })
    expect(checkQrText('\n\t')).toEqual({ problem: 'empty' })
    const longest = LINK_QR_PREFIX + 'a'.repeat(LINK_QR_CHARS - LINK_QR_PREFIX.length)
    expect(checkQrText(longest)).toEqual({ qr: longest })
    expect(checkQrText(`${longest}a`)).toEqual({ problem: 'bad-qr' })
  })

  it('must start as every code does (the protocol\'s prefix); an invite link, even percent-encoded, or a short link is named as such', () => {
    expect(LINK_QR_PREFIX).toBe(PROTOCOL_PREFIX)
    expect(checkQrText('Parley-Link:AAAA')).toEqual({ problem: 'not-code' })
    expect(checkQrText('hello')).toEqual({ problem: 'not-code' })
    expect(checkQrText('x'.repeat(LINK_QR_CHARS + 1))).toEqual({ problem: 'not-code' })
    expect(checkQrText('https://parley.example/#/add/eyJ2IjoxfQ')).toEqual({ problem: 'invite' })
    expect(checkQrText('https%3A%2F%2Fparley.example%2F%23%2Fadd%2FeyJ2IjoxfQ')).toEqual({ problem: 'invite' })
    expect(checkQrText('https://parley.example/#/c/12D3KooWPeer/QWxpY2U')).toEqual({ problem: 'invite' })
  })
})

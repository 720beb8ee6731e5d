import type { Browser, BrowserContext, Page } from '@playwright/test'

/**
 * The clock of every node worker (SharedWorker) in one Chromium, moved
 * forward on demand: `advance(ms)` makes their `Date.now()` (and `new Date()`)
 * read that much later, in the workers running now and in every one started
 * afterwards, from its first instruction (so a node that starts after the
 * jump sees the new time in its start-up work, e.g. the disappearing-messages
 * sweep). Pages keep the real time; Playwright's `page.clock` does not reach a
 * SharedWorker.
 *
 * How: Playwright's CDP sessions cannot talk to the flat sessions that
 * browser-level auto-attach makes (docs/testing.md), and auto-attach without
 * the flat protocol is refused at the browser level. So a helper page gets the
 * browser target's protocol as a binding (`Target.exposeDevToolsProtocol`),
 * and a small client in that page auto-attaches to every shared worker with
 * `waitForDebuggerOnStart`, installs the shifted clock with `Runtime.evaluate`
 * and only then lets the worker run (`Runtime.runIfWaitingForDebugger`).
 * Chromium only (the DevTools protocol).
 */
export interface WorkerClock {
  /** Moves every node worker's clock `ms` forward (now and for workers started later). */
  advance: (ms: number) => Promise<void>
  /** How many shared workers have been given the shifted clock so far (each started one counts). */
  workers: () => Promise<number>
  close: () => Promise<void>
}

/** Runs in the helper page: a flat-protocol client over the exposed binding, and the auto-attach handler. */
const CLIENT = `(() => {
  const state = { id: 0, pending: new Map(), sessions: new Set(), offset: 0, installed: 0, errors: [] }
  window.__clock = state
  const install = (offset) => '(() => { const g = globalThis; if (g.__parleyClock === undefined) { ' +
    'const RealDate = Date; const realNow = RealDate.now.bind(RealDate); const clock = { offset: 0 }; g.__parleyClock = clock; ' +
    'class ShiftedDate extends RealDate { constructor (...args) { if (args.length === 0) super(realNow() + clock.offset); else super(...args) } ' +
    'static now () { return realNow() + clock.offset } } g.Date = ShiftedDate; } g.__parleyClock.offset = ' + offset + '; return g.__parleyClock.offset })()'
  const send = (method, params, sessionId) => new Promise((resolve, reject) => {
    const id = ++state.id
    state.pending.set(id, { resolve, reject })
    const message = { id, method, params }
    if (sessionId !== undefined) message.sessionId = sessionId
    window.cdp.send(JSON.stringify(message))
  })
  state.send = send
  state.install = install
  window.cdp.onmessage = (json) => {
    const message = JSON.parse(json)
    if (message.id !== undefined) {
      const call = state.pending.get(message.id)
      state.pending.delete(message.id)
      if (message.error !== undefined) call?.reject(new Error(message.error.message))
      else call?.resolve(message.result)
      return
    }
    if (message.method === 'Target.attachedToTarget' && message.params.targetInfo.type === 'shared_worker') {
      const sessionId = message.params.sessionId
      state.sessions.add(sessionId)
      send('Runtime.evaluate', { expression: install(state.offset), returnByValue: true }, sessionId)
        .then(() => { state.installed++ }, (err) => { state.errors.push(String(err)) })
        .finally(() => send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch((err) => { state.errors.push(String(err)) }))
    }
    if (message.method === 'Target.detachedFromTarget') state.sessions.delete(message.params.sessionId)
  }
  return send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true, filter: [{ type: 'shared_worker' }] })
})()`

interface ClockState { installed: number, errors: string[] }

/** Starts controlling the node workers' clocks of `browser` (Chromium). */
export async function workerClock (browser: Browser): Promise<WorkerClock> {
  const context: BrowserContext = await browser.newContext()
  const page: Page = await context.newPage()
  const pageSession = await context.newCDPSession(page)
  const { targetInfo } = await pageSession.send('Target.getTargetInfo')
  await pageSession.detach()
  const browserSession = await browser.newBrowserCDPSession()
  await browserSession.send('Target.exposeDevToolsProtocol', { targetId: targetInfo.targetId, bindingName: 'cdp', inheritPermissions: true })
  await page.evaluate(CLIENT)

  const read = async (): Promise<ClockState> => page.evaluate(() => {
    const { installed, errors } = (window as unknown as { __clock: ClockState }).__clock
    return { installed, errors: [...errors] }
  })

  return {
    async advance (ms) {
      const errors = await page.evaluate(async (by) => {
        const state = (window as unknown as { __clock: { offset: number, sessions: Set<string>, install: (offset: number) => string, send: (method: string, params: object, sessionId: string) => Promise<unknown> } }).__clock
        state.offset += by
        const results = await Promise.allSettled([...state.sessions].map(async (sessionId) => state.send('Runtime.evaluate', { expression: state.install(state.offset), returnByValue: true }, sessionId)))
        return results.flatMap(r => r.status === 'rejected' ? [String(r.reason)] : [])
      }, ms)
      if (errors.length > 0) throw new Error(`moving a worker's clock failed: ${errors.join('; ')}`)
    },
    async workers () {
      const state = await read()
      if (state.errors.length > 0) throw new Error(`a worker's clock could not be set: ${state.errors.join('; ')}`)
      return state.installed
    },
    async close () {
      await browserSession.detach()
      await context.close()
    }
  }
}

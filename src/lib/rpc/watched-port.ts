/**
 * A port to the node worker that notices when the worker is gone. A browser
 * may terminate a SharedWorker under open tabs (Chrome on Android does so in
 * the background; a crash does it anywhere), and the tab's MessagePort then
 * says nothing: no `close` event, calls just never answer. So once the worker
 * has spoken, the tab sends `ping` every {@link PING_INTERVAL_MS}; when
 * nothing at all came from it for {@link SILENCE_LIMIT_MS}, the watched port
 * closes itself and dispatches `close`, and the reconnecting client
 * (fallback/reconnecting-client.ts) starts a new worker.
 */
import type { RpcPort } from './guards.ts'

/** How often the tab asks a quiet worker whether it is there. */
export const PING_INTERVAL_MS = 2_000
/** Silence after which the worker counts as gone (three pings unanswered). */
export const SILENCE_LIMIT_MS = 7_000

export interface WatchOptions {
  pingIntervalMs?: number
  silenceLimitMs?: number
  /** what closed it, for the log */
  onGone?: () => void
}

export type WatchedPort = RpcPort & { readonly closeReason?: Error }

type Listener = (event: MessageEvent) => void

export function watchPort (port: RpcPort, options: WatchOptions = {}): WatchedPort {
  const intervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS
  const limitMs = options.silenceLimitMs ?? SILENCE_LIMIT_MS
  const closeListeners = new Set<Listener>()
  let lastHeard = 0
  let timer: ReturnType<typeof setInterval> | undefined
  let closed = false
  let closeReason: Error | undefined

  const stop = (): void => {
    closed = true
    clearInterval(timer)
    port.removeEventListener('message', onMessage)
    port.removeEventListener('close', onClose)
  }
  const gone = (): void => {
    if (closed) return
    closeReason = new Error(`the node worker said nothing for ${limitMs} ms`)
    stop()
    port.close()
    options.onGone?.()
    const event = new MessageEvent('close')
    for (const listener of [...closeListeners]) listener(event)
  }
  const onMessage = (): void => {
    lastHeard = Date.now()
    // the worker spoke: from now on it must keep answering
    timer ??= setInterval(() => {
      if (Date.now() - lastHeard >= limitMs) {
        gone()
        return
      }
      port.postMessage({ type: 'ping' })
    }, intervalMs)
  }
  const onClose = (event: MessageEvent): void => {
    if (closed) return
    stop()
    for (const listener of [...closeListeners]) listener(event)
  }
  port.addEventListener('message', onMessage)
  port.addEventListener('close', onClose)

  return {
    // its own (silence), else the underlying port's (a BroadcastPort's lost owner)
    get closeReason () { return closeReason ?? (port as { closeReason?: Error }).closeReason },
    postMessage: (message) => { port.postMessage(message) },
    addEventListener: (type, listener) => {
      if (type === 'close') closeListeners.add(listener)
      else port.addEventListener(type, listener)
    },
    removeEventListener: (type, listener) => {
      if (type === 'close') closeListeners.delete(listener)
      else port.removeEventListener(type, listener)
    },
    start: () => { port.start() },
    close: () => {
      stop()
      port.close()
    }
  }
}

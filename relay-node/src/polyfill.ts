/**
 * js-libp2p 3.x calls `Promise.withResolvers` (Node 22+). relay-node supports
 * Node >= 20.19, so install a minimal version before libp2p loads.
 */
const P = Promise as unknown as { withResolvers?: unknown }

if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> () {
    let resolve!: (value: T | PromiseLike<T>) => void
    let reject!: (reason?: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

export {}

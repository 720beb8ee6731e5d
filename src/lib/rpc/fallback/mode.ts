/**
 * Which way this tab runs the node: the SharedWorker (normal), or the
 * dedicated-Worker fallback, used where SharedWorker is missing and forced by
 * the URL flag `?worker=dedicated` (tests cover the fallback with it).
 */

export type WorkerMode = 'shared' | 'dedicated'

/** The URL query parameter that forces a mode. */
export const WORKER_MODE_PARAM = 'worker'

/** `search` is `location.search`; `hasSharedWorker` is `typeof SharedWorker !== 'undefined'`. */
export function chooseWorkerMode (search: string, hasSharedWorker: boolean): WorkerMode {
  if (!hasSharedWorker) return 'dedicated'
  return new URLSearchParams(search).get(WORKER_MODE_PARAM) === 'dedicated' ? 'dedicated' : 'shared'
}

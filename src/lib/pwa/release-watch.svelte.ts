/**
 * The tab's side of releases (issue 61), loaded after the app's shell
 * (state/pwa.svelte.ts imports it on start and shows what it holds): reads what the service worker
 * recorded (lib/pwa/release-store.ts: the version that runs, the pinned key,
 * a version refused), hears of refusals as they happen, and checks each new
 * worker that installs before its update is offered (lib/pwa/worker-check.ts,
 * loaded only then: it carries the signature code).
 */
import '../i18n/release.ts'
import { RELEASE_REFUSED_MESSAGE } from './protocol.ts'
import type { InstalledRelease, Refusal } from './release-guard.ts'
import { cacheReleaseStore, isRefusal } from './release-store.ts'

/**
 * What a tab knows of releases: the version that runs, the pinned key, a
 * version refused, a new worker found unsigned, and whether the new worker
 * waiting was checked (its update is offered only then).
 */
export class ReleaseWatch {
  release = $state<InstalledRelease | undefined>()
  pinnedFingerprint = $state<string | undefined>()
  refusal = $state<Refusal | undefined>()
  unsignedWorker = $state<string | undefined>()
  workerChecked = $state(false)

  readonly #store = typeof caches === 'undefined' ? undefined : cacheReleaseStore(caches, location.origin)
  readonly #checked = new WeakSet<ServiceWorker>()

  constructor () {
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { type?: unknown, refusal?: unknown } | null
      if (data?.type === RELEASE_REFUSED_MESSAGE && isRefusal(data.refusal)) this.refusal = data.refusal
    })
    this.#readWhenActivated(navigator.serviceWorker?.controller)
    // the first install takes the page; an update takes it on Reload
    navigator.serviceWorker?.addEventListener('controllerchange', () => { this.#readWhenActivated(navigator.serviceWorker.controller) })
  }

  /** Checks the registration's waiting worker, and each new one once it is installed. */
  watch (registration: ServiceWorkerRegistration): void {
    this.#check(registration.waiting)
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing
      if (worker === null) return
      this.workerChecked = false
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' || worker.state === 'activated') this.#check(worker)
      })
    })
  }

  /** the worker records the version it runs while it activates: read once it is activated */
  #readWhenActivated (worker: ServiceWorker | null | undefined): void {
    if (worker === null || worker === undefined || worker.state === 'activated') {
      this.#read()
      return
    }
    worker.addEventListener('statechange', () => { if (worker.state === 'activated') this.#read() })
  }

  #read (): void {
    const store = this.#store
    if (store === undefined) return
    void (async () => {
      const [active, pin, refused] = await Promise.all([store.get('active'), store.get('pin'), store.get('refused')])
      this.release = active
      this.pinnedFingerprint = pin?.fingerprint
      if (refused !== undefined) this.refusal = refused
    })().catch((err: unknown) => { console.error('parley: could not read the release records', err) })
  }

  #check (worker: ServiceWorker | null): void {
    if (worker === null || this.#checked.has(worker)) return
    this.#checked.add(worker)
    void this.#checkWorker(worker).catch((err: unknown) => { console.error('parley: could not check the new service worker', err) })
  }

  async #checkWorker (worker: ServiceWorker): Promise<void> {
    const pin = await this.#store?.get('pin')
    if (pin !== undefined) {
      const { unsignedWorker } = await import('./worker-check.ts')
      const why = await unsignedWorker(worker.scriptURL, pin.key)
      if (why !== undefined) {
        console.error('parley: the new service worker is not a signed one:', why)
        this.unsignedWorker = why
        return
      }
    }
    this.workerChecked = true
  }
}

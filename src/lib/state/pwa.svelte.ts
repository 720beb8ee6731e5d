/**
 * The installable app, seen from a tab: registers the service worker
 * (src/sw.ts, through vite-plugin-pwa's `virtual:pwa-register`), says when a
 * new version waits (`updateReady`; `reload()` activates it and reloads), and
 * offers installation where the browser fired `beforeinstallprompt`
 * (`canInstall`; hidden once installed or when running standalone).
 *
 * Releases (issue 61, through lib/pwa/release-watch.svelte.ts, loaded after the
 * shell): the version that runs and the pinned release key (`release`,
 * `pinnedFingerprint`), a version the service worker refused (`refusal`),
 * and a new worker whose script no release signed by the pinned key names
 * (`unsignedWorker`): a new version is offered only once its worker is checked.
 *
 * One per tab, started on first import; it outlives the UI's remounts.
 */
/// <reference types="vite-plugin-pwa/vanillajs" />
import { registerSW } from 'virtual:pwa-register'
import { navigateHref } from '../pwa/protocol.ts'
import type { InstalledRelease, Refusal } from '../pwa/release-guard.ts'
import type { ReleaseWatch } from '../pwa/release-watch.svelte.ts'
import { navigate } from './router.svelte.ts'

/** Chromium's install prompt event (not in the DOM typings). */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

function runningStandalone (): boolean {
  if (typeof window === 'undefined') return false
  return window.matchMedia('(display-mode: standalone)').matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
}

class Pwa {
  /** a new worker waits (workbox-window's "waiting") */
  #updateReady = $state(false)
  /** releases: what runs, what was refused, the new worker's check (loaded after the shell) */
  #releases = $state<ReleaseWatch | undefined>()
  #canInstall = $state(false)
  #installed = $state(runningStandalone())

  #prompt: BeforeInstallPromptEvent | undefined
  #update: ((reload?: boolean) => Promise<void>) | undefined

  constructor () {
    if (typeof window === 'undefined') return
    window.addEventListener('beforeinstallprompt', (event) => {
      // keep it for our own button instead of the browser's mini-infobar
      event.preventDefault()
      this.#prompt = event as BeforeInstallPromptEvent
      this.#canInstall = !this.#installed
    })
    window.addEventListener('appinstalled', () => {
      this.#installed = true
      this.#canInstall = false
      this.#prompt = undefined
    })
    // a notification was clicked: the service worker tells which chat to show
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
      const href = navigateHref(event.data)
      if (href !== undefined) navigate(href)
    })
    const releases = import('../pwa/release-watch.svelte.ts').then(({ ReleaseWatch }) => (this.#releases = new ReleaseWatch()), (err: unknown) => {
      console.error('parley: could not load the release checks', err)
    })
    this.#update = registerSW({
      immediate: true,
      onNeedRefresh: () => { this.#updateReady = true },
      onRegisteredSW: (_url: string, registration: ServiceWorkerRegistration | undefined) => {
        if (registration !== undefined) void releases.then(watch => { watch?.watch(registration) })
      },
      onRegisterError: (err: unknown) => { console.error('parley: service worker registration failed', err) }
    })
  }

  /** A new version is installed and waits for a reload. */
  get updateReady (): boolean {
    return this.#updateReady && this.#releases?.workerChecked === true && this.#releases.unsignedWorker === undefined
  }

  /** The version that runs, as its worker verified it; undefined where no worker runs it (yet). */
  get release (): InstalledRelease | undefined {
    return this.#releases?.release
  }

  /** The pinned release key's fingerprint; undefined before a signed release was installed. */
  get pinnedFingerprint (): string | undefined {
    return this.#releases?.pinnedFingerprint
  }

  /** The last version the worker refused to install, until dismissed or a version is installed. */
  get refusal (): Refusal | undefined {
    return this.#releases?.refusal
  }

  /** Why a new worker that may take over is not a signed one: the page warns. */
  get unsignedWorker (): string | undefined {
    return this.#releases?.unsignedWorker
  }

  dismissRefusal (): void {
    if (this.#releases !== undefined) this.#releases.refusal = undefined
  }

  /** The browser offered installation and the app is not installed. */
  get canInstall (): boolean {
    return this.#canInstall
  }

  /** The app runs installed (standalone), or was installed from this tab. */
  get installed (): boolean {
    return this.#installed
  }

  /** Activates the waiting version; the page reloads when it takes over. */
  async reload (): Promise<void> {
    await this.#update?.(true)
  }

  /** Hides the update banner until the next update (the new version then loads on the next visit). */
  dismissUpdate (): void {
    this.#updateReady = false
  }

  /** Shows the browser's install dialog; true when the user accepted. */
  async install (): Promise<boolean> {
    const prompt = this.#prompt
    if (prompt === undefined) return false
    // a prompt event can be used once
    this.#prompt = undefined
    this.#canInstall = false
    await prompt.prompt()
    const { outcome } = await prompt.userChoice
    if (outcome === 'accepted') this.#installed = true
    return outcome === 'accepted'
  }

  /**
   * Forgets the update offer and the install prompt (tests). The listeners
   * stay: they live as long as the page.
   */
  reset (): void {
    this.#updateReady = false
    this.#canInstall = false
    this.#installed = runningStandalone()
    this.#prompt = undefined
  }
}

/** The tab's PWA state. */
export const pwa = new Pwa()

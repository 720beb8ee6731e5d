/**
 * What the app's banners and Settings show of the installed app and of
 * notifications, declared by those widgets (PwaBanner.svelte,
 * PwaSettings.svelte): the screens hand in the tab's managers
 * (state/pwa.svelte.ts, state/notifications.svelte.ts), which fit.
 */

/** A new version waiting, and installing the app. */
export interface AppInstall {
  /** a new version is ready: the "Reload" banner */
  readonly updateReady: boolean
  /** the browser offers to install the app (beforeinstallprompt fired) */
  readonly canInstall: boolean
  readonly installed: boolean
  /** the last version the service worker refused to install (lib/pwa/release-guard.ts) */
  readonly refusal: { readonly reason: string, readonly file?: string } | undefined
  /** a new service worker no signed release names: a warning on every page */
  readonly unsignedWorker: string | undefined
  /** the refusal's notice goes */
  dismissRefusal: () => void
  /** takes the new version and reloads */
  reload: () => Promise<void>
  /** not now: the banner goes for this visit */
  dismissUpdate: () => void
  /** the browser's install prompt; true when the user installed */
  install: () => Promise<boolean>
}

/** Notifications on this device. */
export interface NotificationChoice {
  /** this browser can show notifications */
  readonly supported: boolean
  /** they are on (allowed and wanted) */
  readonly enabled: boolean
  /** the card that offers to turn them on shows */
  readonly offer: boolean
  /** asks for the permission; resolves to why they are not on, in words ('' when they are) */
  turnOn: () => Promise<string>
  turnOff: () => void
  /** the offer goes for good */
  dismissOffer: () => void
}

/**
 * The screens no first screen shows (a returning user's chats list, a
 * newcomer's welcome): each is a chunk of its own, loaded the first time it is
 * opened (App.svelte), so that the app's shell does not carry it (issue 60).
 * A chat is one of them too: the chats list is a returning user's first
 * screen, and once the node runs the chat's chunk is fetched ahead of the
 * first tap (App.svelte). A screen loaded once shows at once ever after; the service
 * worker precaches every chunk, so after the first visit opening one reads
 * it from the cache. A chunk that cannot be fetched is said, with a retry.
 */
import type { Route } from '../lib/model/route.ts'

/** a contact's chat and a group's are one screen, and one chunk */
const loadChat = async () => (await import('./Chat.svelte')).default

const LOADERS = {
  chat: loadChat,
  group: loadChat,
  add: async () => (await import('./AddContact.svelte')).default,
  contact: async () => (await import('./ContactInfo.svelte')).default,
  'group-info': async () => (await import('./GroupInfo.svelte')).default,
  invite: async () => (await import('./MyInvite.svelte')).default,
  network: async () => (await import('./Network.svelte')).default,
  'new-group': async () => (await import('./NewGroup.svelte')).default,
  search: async () => (await import('./Search.svelte')).default,
  settings: async () => (await import('./Settings.svelte')).default,
  share: async () => (await import('./Share.svelte')).default
} as const satisfies Partial<Record<Route['name'], () => Promise<unknown>>>

export type LazyScreenName = keyof typeof LOADERS
type Screens = { [N in LazyScreenName]: Awaited<ReturnType<typeof LOADERS[N]>> }
/** How each screen is fetched (tests give their own). */
export type ScreenLoaders = { readonly [N in LazyScreenName]: () => Promise<Screens[N]> }

function isLazy (name: Route['name']): name is LazyScreenName {
  return Object.hasOwn(LOADERS, name)
}

export class LazyScreens {
  readonly #loaders: ScreenLoaders
  #loaded = $state.raw<Partial<Screens>>({})
  #failed = $state.raw<Partial<Record<LazyScreenName, unknown>>>({})
  /** the screens being fetched now (not state: nothing shows it) */
  readonly #loading: Partial<Record<LazyScreenName, true>> = {}

  constructor (loaders: ScreenLoaders = LOADERS) {
    this.#loaders = loaders
  }

  /** The screen's component once loaded, else undefined (and its loading started, unless it failed: see `retry`). */
  get<N extends LazyScreenName> (name: N): Screens[N] | undefined {
    const screen = this.#loaded[name]
    if (screen === undefined && this.#failed[name] === undefined) this.#load(name)
    return screen
  }

  /** Why the screen's chunk could not be fetched; undefined while it loads or once it has. */
  error (name: LazyScreenName): unknown {
    return this.#failed[name]
  }

  /** Whether the route's screen is on screen when routed to: any screen in the shell, a lazy one once loaded. */
  shown (name: Route['name']): boolean {
    return !isLazy(name) || this.#loaded[name] !== undefined
  }

  /** Starts fetching a screen likely to be opened soon (no-op once loaded, loading or failed). */
  prefetch (name: LazyScreenName): void {
    if (this.#loaded[name] === undefined && this.#failed[name] === undefined) this.#load(name)
  }

  /** Fetches a screen whose chunk failed again. */
  retry (name: LazyScreenName): void {
    this.#failed = { ...this.#failed, [name]: undefined }
    this.#load(name)
  }

  #load (name: LazyScreenName): void {
    if (this.#loading[name] === true) return
    this.#loading[name] = true
    void this.#loaders[name]().then(
      (screen) => { this.#loaded = { ...this.#loaded, [name]: screen } },
      (err: unknown) => {
        console.warn(`parley: could not load the ${name} screen`, err)
        this.#failed = { ...this.#failed, [name]: err }
      }
    ).finally(() => { delete this.#loading[name] })
  }
}

/** The tab's lazy screens (App.svelte). */
export const lazyScreens = new LazyScreens()

/**
 * The web app manifest (vite.config.ts hands it to vite-plugin-pwa) and the
 * icon sizes scripts/icons.ts renders. One module, so the manifest never
 * names an icon the script does not make; tests/unit/pwa/icons.test.ts reads
 * each listed PNG and checks its size.
 */
import type { ManifestOptions } from 'vite-plugin-pwa'
import { SHARE_TARGET_ACTION } from '../../src/lib/pwa/protocol.ts'

/** Brand colour: the icons' background and the light theme's accent. */
export const THEME_COLOR = '#0f766e'
export const BACKGROUND_COLOR = '#ffffff'

/** 'any' icons: launchers, task bars, the install dialog, splash screens. */
export const ANY_SIZES = [48, 72, 96, 128, 144, 152, 192, 256, 384, 512] as const
/** Maskable icons (Android adaptive icons): the two sizes Chromium asks for. */
export const MASKABLE_SIZES = [192, 512] as const
export const APPLE_TOUCH_SIZE = 180
export const FAVICON_SIZE = 32
export const SHORTCUT_SIZE = 96


type Icon = NonNullable<ManifestOptions['icons']>[number]

const png = (src: string, size: number, purpose: 'any' | 'maskable'): Icon =>
  ({ src, sizes: `${size}x${size}`, type: 'image/png', purpose })

export const MANIFEST: Partial<ManifestOptions> = {
  id: '/',
  name: 'Parley',
  short_name: 'Parley',
  description: 'A peer-to-peer messenger that lives at a URL: no account, no central server.',
  lang: 'en',
  dir: 'ltr',
  categories: ['social', 'communication'],
  theme_color: THEME_COLOR,
  background_color: BACKGROUND_COLOR,
  display: 'standalone',
  start_url: '/',
  scope: '/',
  icons: [
    ...ANY_SIZES.map(size => png(`/icon-${size}.png`, size, 'any')),
    ...MASKABLE_SIZES.map(size => png(`/icon-maskable-${size}.png`, size, 'maskable')),
    { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }
  ],
  shortcuts: [
    { name: 'New contact', short_name: 'Add', url: '/#/add', icons: [png('/shortcut-add.png', SHORTCUT_SIZE, 'any')] },
    { name: 'My invite', short_name: 'Invite', url: '/#/invite', icons: [png('/shortcut-invite.png', SHORTCUT_SIZE, 'any')] }
  ],
  share_target: {
    action: SHARE_TARGET_ACTION,
    method: 'POST',
    enctype: 'multipart/form-data',
    params: {
      title: 'title',
      text: 'text',
      url: 'url',
      files: [{ name: 'files', accept: ['*/*'] }]
    }
  }
}

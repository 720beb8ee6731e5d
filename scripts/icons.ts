/**
 * Renders every app icon from ONE source, public/icon.svg (a full-bleed
 * square: brand background, white speech bubble), with the system Chromium:
 *
 *   npx tsx scripts/icons.ts
 *
 * Writes to public/ (the PNGs are committed, the build only copies them):
 * - icon-<n>.png, purpose 'any': rounded square on transparency, n in ANY_SIZES;
 * - icon-maskable-<n>.png: full bleed, the glyph checked to lie inside the
 *   maskable safe zone (a centred circle of 80 % of the width);
 * - apple-touch-icon.png (180, full bleed: iOS rounds it itself);
 * - favicon.svg (the source clipped to a rounded square) and favicon-32.png;
 * - shortcut-add.png, shortcut-invite.png: the manifest shortcuts' icons.
 *
 * scripts/lib/pwa-manifest.ts holds the sizes and lists the files in the
 * manifest; tests/unit/pwa/icons.test.ts checks each PNG's declared size.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { ANY_SIZES, APPLE_TOUCH_SIZE, FAVICON_SIZE, MASKABLE_SIZES, SHORTCUT_SIZE } from './lib/pwa-manifest.ts'

const ROOT = resolve(import.meta.dirname, '..')
const PUBLIC = join(ROOT, 'public')
const SOURCE = join(PUBLIC, 'icon.svg')

/** Corner radius of the 'any' icons and the favicon, as a share of the width. */
const CORNER = 0.22
/** Maskable safe zone: a centred circle whose diameter is 80 % of the icon. */
const SAFE_ZONE_RADIUS = 0.4

const source = await readFile(SOURCE, 'utf8')
const inner = /<svg[^>]*>([\s\S]*)<\/svg>/.exec(source)?.[1]
if (inner === undefined) throw new Error(`${SOURCE} is not an <svg> document`)
const viewBox = /viewBox="([^"]+)"/.exec(source)?.[1] ?? '0 0 512 512'
const width = Number(viewBox.split(/\s+/)[2])

/** The source clipped to a rounded square (transparent corners). */
const rounded = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox}">
  <clipPath id="r"><rect width="${width}" height="${width}" rx="${Math.round(width * CORNER)}"/></clipPath>
  <g clip-path="url(#r)">${inner.trim()}</g>
</svg>
`

/** A shortcut icon: the brand square with a white glyph drawn in a 96-unit box. */
function shortcut (glyph: string): string {
  const background = /<rect[^>]*fill="([^"]+)"/.exec(source)?.[1] ?? '#0f766e'
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">
  <rect width="96" height="96" rx="20" fill="${background}"/>
  ${glyph}
</svg>`
}

/** "New contact": a person with a plus. */
const ADD_GLYPH = '<g fill="#fff"><circle cx="40" cy="36" r="14"/><path d="M14 76c0-15 12-24 26-24s26 9 26 24z"/>' +
  '<path d="M68 30h6v10h10v6H74v10h-6V46H58v-6h10z"/></g>'
/** "My invite": a QR-like code. */
const INVITE_GLYPH = '<g fill="none" stroke="#fff" stroke-width="6"><rect x="19" y="19" width="22" height="22"/>' +
  '<rect x="55" y="19" width="22" height="22"/><rect x="19" y="55" width="22" height="22"/></g>' +
  '<g fill="#fff"><rect x="27" y="27" width="6" height="6"/><rect x="63" y="27" width="6" height="6"/>' +
  '<rect x="27" y="63" width="6" height="6"/><rect x="55" y="55" width="9" height="9"/><rect x="68" y="68" width="9" height="9"/>' +
  '<rect x="68" y="55" width="9" height="9"/><rect x="55" y="68" width="9" height="9"/></g>'

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 })

  // the glyph (everything but the background rect) must sit in the maskable safe zone
  await page.setContent(`<!doctype html><body style="margin:0">${source}</body>`)
  const farthest = await page.evaluate(() => {
    const svg = document.querySelector('svg')
    const box = svg?.viewBox.baseVal
    if (svg === null || box === undefined) throw new Error('no svg')
    const cx = box.x + box.width / 2
    const cy = box.y + box.height / 2
    let max = 0
    for (const shape of svg.querySelectorAll<SVGGraphicsElement>('path, circle, ellipse, polygon')) {
      const b = shape.getBBox()
      for (const [x, y] of [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]] as const) {
        max = Math.max(max, Math.hypot(x - cx, y - cy) / box.width)
      }
    }
    return max
  })
  // bounding-box corners overstate a rounded glyph's reach, so this check is conservative
  if (farthest > SAFE_ZONE_RADIUS) {
    throw new Error(`icon.svg: the glyph reaches ${(farthest * 100).toFixed(1)} % from the centre; maskable icons need it within ${SAFE_ZONE_RADIUS * 100} %`)
  }

  const render = async (svg: string, size: number, file: string): Promise<void> => {
    await page.setViewportSize({ width: size, height: size })
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
    await page.setContent(`<!doctype html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body>`)
    await page.locator('img').evaluate(async (img: HTMLImageElement) => { await img.decode() })
    await page.screenshot({ path: join(PUBLIC, file), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
    console.log(`public/${file} (${size}×${size})`)
  }

  for (const size of ANY_SIZES) await render(rounded, size, `icon-${size}.png`)
  for (const size of MASKABLE_SIZES) await render(source, size, `icon-maskable-${size}.png`)
  await render(source, APPLE_TOUCH_SIZE, 'apple-touch-icon.png')
  await render(rounded, FAVICON_SIZE, 'favicon-32.png')
  await render(shortcut(ADD_GLYPH), SHORTCUT_SIZE, 'shortcut-add.png')
  await render(shortcut(INVITE_GLYPH), SHORTCUT_SIZE, 'shortcut-invite.png')
  await writeFile(join(PUBLIC, 'favicon.svg'), rounded)
  console.log('public/favicon.svg')
} finally {
  await browser.close()
}

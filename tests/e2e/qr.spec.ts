import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encode, renderSVG } from 'uqr'
import config from '../../playwright.config.ts'
import { expect, test } from './fixtures.ts'
import { confirmAdd, inviteQrPng, message, nav, onboard, openChat, scanImageFile, send } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

function inviteField (page: Page): ReturnType<Page['getByRole']> {
  return page.getByRole('textbox', { name: 'Invite', exact: true })
}

/** A PNG of some other QR code holding `text`: drawn by uqr in a scratch page and screenshotted. */
async function qrPng (page: Page, text: string): Promise<Buffer> {
  const scratch = await page.context().newPage()
  await scratch.setContent(`<body style="margin:0;background:#fff">${renderSVG(text, { border: 4, pixelSize: 6 })}</body>`)
  const png = await scratch.locator('svg').screenshot()
  await scratch.close()
  return png
}

/** What the fake camera films: a QR code of this text, still, on white. */
const CAMERA_TEXT = 'hello from the camera'
const CAMERA_WIDTH_PX = 640
const CAMERA_HEIGHT_PX = 480
const CAMERA_MODULE_PX = 10

/**
 * A one-frame Y4M video of a QR code (Chromium loops it as the fake camera):
 * 4:2:0 planes, luma 0 for dark modules and 255 for light, chroma neutral.
 */
function qrVideo (text: string): string {
  const modules = encode(text, { ecc: 'M', border: 4 }).data
  const luma = new Uint8Array(CAMERA_WIDTH_PX * CAMERA_HEIGHT_PX).fill(255)
  const side = modules.length * CAMERA_MODULE_PX
  const left = Math.floor((CAMERA_WIDTH_PX - side) / 2)
  const top = Math.floor((CAMERA_HEIGHT_PX - side) / 2)
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < CAMERA_MODULE_PX; dy++) {
        const start = (top + y * CAMERA_MODULE_PX + dy) * CAMERA_WIDTH_PX + left + x * CAMERA_MODULE_PX
        luma.fill(0, start, start + CAMERA_MODULE_PX)
      }
    })
  })
  const chroma = new Uint8Array(CAMERA_WIDTH_PX * CAMERA_HEIGHT_PX / 2).fill(128)
  const header = `YUV4MPEG2 W${CAMERA_WIDTH_PX} H${CAMERA_HEIGHT_PX} F10:1 Ip A1:1 C420jpeg\nFRAME\n`
  // one fixed path: every process that loads this file writes the same bytes, and nothing piles up
  const path = join(tmpdir(), 'parley-e2e-camera-qr.y4m')
  writeFileSync(path, Buffer.concat([Buffer.from(header), luma, chroma]))
  return path
}

const projectLaunch = config.projects?.[0]?.use?.launchOptions

// Chromium's camera in this file films a QR code and never asks for permission.
// Launch options apply per file (they need a browser of their own); the other
// tests here never open the camera, so the fake one changes nothing for them.
test.use({
  launchOptions: {
    ...projectLaunch,
    args: [
      ...(projectLaunch?.args ?? []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${qrVideo(CAMERA_TEXT)}`
    ]
  }
})

test.describe('invites as QR codes', () => {
  test('each scans a screenshot of the other\'s invite QR code, then they chat', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const aliceQr = await inviteQrPng(alice.page)
    const bobQr = await inviteQrPng(bob.page)

    await scanImageFile(bob.page, { name: 'alice-invite.png', mimeType: 'image/png', buffer: aliceQr })
    // the decoded invite goes the way a pasted one does: "Add Alice?", then the chat with Alice
    await confirmAdd(bob.page, 'Alice')
    await scanImageFile(alice.page, { name: 'bob-invite.png', mimeType: 'image/png', buffer: bobQr })
    await confirmAdd(alice.page, 'Bob')

    // Alice is in Bob's chats list, and the chat works both ways
    await openChat(bob.page, 'Alice')
    await send(bob.page, 'Scanned you, Alice')
    await expect(message(alice.page, 'Scanned you, Alice')).toBeVisible()
    await expect(message(bob.page, 'Scanned you, Alice')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await send(alice.page, 'And I scanned you, Bob')
    await expect(message(bob.page, 'And I scanned you, Bob')).toBeVisible()
  })

  test('A shows its QR; C scans a screenshot of it; C\'s contact request reaches A', async ({ alice, carol }) => {
    await onboard(alice.page, 'Alice')
    await onboard(carol.page, 'Carol')
    const aliceQr = await inviteQrPng(alice.page)
    await scanImageFile(carol.page, { name: 'alice-invite.png', mimeType: 'image/png', buffer: aliceQr })
    await confirmAdd(carol.page, 'Alice')
    await expect(carol.page.getByText('Waiting for Alice to accept your contact request')).toBeVisible()

    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    const requests = alice.page.getByRole('list', { name: 'Contact requests' })
    await expect(requests).toContainText('Carol')
    await expect(alice.page.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
  })

  test('a picture without a QR code, or no picture at all, is refused in words and adds nothing', async ({ alice }) => {
    await onboard(alice.page, 'Alice')
    const page = alice.page
    await nav(page).getByRole('link', { name: 'Add contact' }).click()
    const noQr = await page.getByRole('heading', { name: 'Add contact' }).screenshot()

    await scanImageFile(page, { name: 'heading.png', mimeType: 'image/png', buffer: noQr })
    await expect(page.getByRole('alert')).toHaveText(/^No QR code found in this image/)
    await expect(inviteField(page)).toHaveValue('')

    await scanImageFile(page, { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are not pixels') })
    await expect(page.getByRole('alert')).toHaveText(/^This image could not be read/)
    await expect(inviteField(page)).toHaveValue('')

    await nav(page).getByRole('link', { name: 'Chats' }).click()
    await expect(page.getByText('No chats yet')).toBeVisible()
  })

  test('a QR code that is not a Parley invite fills the field and gets the invite parser\'s error', async ({ alice }) => {
    await onboard(alice.page, 'Alice')
    const page = alice.page
    const png = await qrPng(page, 'hello there')

    await scanImageFile(page, { name: 'other.png', mimeType: 'image/png', buffer: png })
    await expect(inviteField(page)).toHaveValue('hello there')
    await expect(page.getByRole('alert')).toHaveText(/not a Parley invite/i)

    await nav(page).getByRole('link', { name: 'Chats' }).click()
    await expect(page.getByText('No chats yet')).toBeVisible()
  })
})

test.describe('scanning with the camera', () => {
  test('"Scan QR code" reads the code the camera sees, submits it, and turns the camera off', async ({ alice }) => {
    await alice.context.grantPermissions(['camera', 'microphone'])
    await onboard(alice.page, 'Alice')
    const page = alice.page
    await nav(page).getByRole('link', { name: 'Add contact' }).click()

    await page.getByRole('button', { name: 'Scan QR code' }).click()

    // the decoded text goes the way a pasted invite does; this one is no invite
    await expect(inviteField(page)).toHaveValue(CAMERA_TEXT)
    await expect(page.getByRole('alert')).toHaveText(/not a Parley invite/i)
    await expect(page.getByLabel('Camera preview')).toBeHidden()
    await expect(page.getByRole('button', { name: 'Scan QR code' })).toBeVisible()
    expect(await page.getByLabel('Camera preview').evaluate((video: HTMLVideoElement) => video.srcObject)).toBeNull()
  })
})

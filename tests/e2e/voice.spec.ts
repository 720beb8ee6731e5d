import AxeBuilder from '@axe-core/playwright'
import config from '../../playwright.config.ts'
import { expect, test } from './fixtures.ts'
import { chatRow, messages } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'
import type { Locator, Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

const projectLaunch = config.projects?.[0]?.use?.launchOptions

// Chromium's fake microphone (a tone with a beep every second). Launch options
// apply per file (a browser of its own). No --use-fake-ui-for-media-stream:
// it would allow every request, and the last test needs the browser's own
// refusal. The contexts hold the microphone permission (tests/support/person.ts),
// so recording asks no question.
test.use({
  launchOptions: { ...projectLaunch, args: [...(projectLaunch?.args ?? []), '--use-fake-device-for-media-stream'] }
})

function mic (page: Page): Locator {
  return page.getByRole('button', { name: /^(Record a voice message|Send the voice message)$/ })
}

function voiceMessage (page: Page): Locator {
  return messages(page).filter({ has: page.getByTestId('voice-message') })
}

/** axe's serious and critical findings on the page as it is (a11y.spec.ts checks every screen; this, the voice parts). */
async function seriousViolations (page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical').flatMap(v => v.nodes.map(node => `${v.id} at ${node.target.join(' ')}`))
}

/** The page's audio element's state. */
async function audioState (player: Locator): Promise<{ currentTime: number, played: number, playbackRate: number, paused: boolean }> {
  return player.getByTestId('voice-audio').evaluate((audio: HTMLAudioElement) => ({
    currentTime: audio.currentTime,
    played: audio.played.length > 0 ? audio.played.end(audio.played.length - 1) : 0,
    playbackRate: audio.playbackRate,
    paused: audio.paused
  }))
}

test.describe('voice messages', () => {
  test('A holds the microphone for 2 s and releases; B receives the voice message, plays it, seeks and changes the speed', async ({ alice, bob }) => {
    const a = alice.page
    const b = bob.page

    // hold to record: press, wait for the clock to pass two seconds, release
    const button = mic(a)
    await expect(button).toHaveAccessibleName('Record a voice message')
    await button.hover()
    await a.mouse.down()
    await expect(a.getByRole('group', { name: 'Recording a voice message' })).toBeVisible()
    await expect(a.getByTestId('voice-clock')).toHaveText('0:02')
    await a.mouse.up()
    await expect(a.getByTestId('voice-recorder')).toHaveAttribute('data-phase', 'idle')

    // A's own bubble, then B's: the player shows the length
    await expect(voiceMessage(a).getByTestId('voice-duration')).toHaveText(/^0:0[23]$/)
    const received = voiceMessage(b)
    await expect(received.getByTestId('voice-duration')).toHaveText(/^0:0[23]$/)
    await expect(received.getByTestId('voice-message')).toHaveAttribute('data-state', 'complete', { timeout: 30_000 })
    // the chats list says what it is and how long, not its file name, on both sides
    await expect(chatRow(a, 'Bob')).toContainText(/You: 🎤 Voice message 0:0[23]/)
    await expect(chatRow(b, 'Alice')).toContainText(/🎤 Voice message 0:0[23]/)

    // what arrived: a voice note of about two seconds, with a waveform that is not flat (the fake microphone beeps)
    const rows = await readRows<{ kind: string, file?: { mime: string, size: number, voice?: { durationMs: number, waveform: number[] } } }>(b, 'messages')
    const voice = rows.find(r => r.kind === 'file')?.file
    expect(voice?.mime).toMatch(/^audio\/(webm|ogg)$/)
    expect(voice?.size).toBeGreaterThan(1000)
    expect(voice?.voice?.durationMs).toBeGreaterThanOrEqual(2000)
    expect(voice?.voice?.durationMs).toBeLessThan(5000)
    expect(Math.max(...(voice?.voice?.waveform ?? [0]))).toBe(255)

    expect(await seriousViolations(b)).toEqual([])

    // B plays it to the end
    const player = received.getByTestId('voice-player')
    await player.getByRole('button', { name: 'Play voice message' }).click()
    await expect(player.getByRole('button', { name: 'Pause voice message' })).toBeVisible()
    await expect.poll(async () => (await audioState(player)).currentTime).toBeGreaterThan(0.5)
    await expect(player).toHaveAttribute('data-playing', 'false', { timeout: 15_000 })
    expect((await audioState(player)).played).toBeGreaterThan(1.5)

    // seeks with the keyboard on the waveform (a slider), then with a click on its middle
    const seek = player.getByRole('slider', { name: 'Position in the voice message' })
    await seek.focus()
    await seek.press('Home')
    await expect(seek).toHaveAttribute('aria-valuenow', '0')
    await expect.poll(async () => (await audioState(player)).currentTime).toBe(0)
    await seek.press('ArrowRight')
    await expect.poll(async () => (await audioState(player)).currentTime).toBeGreaterThanOrEqual(0.5)
    const width = await seek.evaluate(element => element.clientWidth)
    await seek.click({ position: { x: width * 0.75, y: 8 } })
    const total = (voice?.voice?.durationMs ?? 0) / 1000
    await expect.poll(async () => (await audioState(player)).currentTime).toBeCloseTo(total * 0.75, 0)
    await expect(seek).toHaveAttribute('aria-valuetext', /^0:0\d of 0:0\d$/)

    // the speed: 1× → 1.5× → 2× → 1×
    const speed = player.getByRole('button', { name: /^Playback speed/ })
    await expect(speed).toHaveText('1×')
    await speed.click()
    await expect(speed).toHaveAccessibleName('Playback speed 1.5×')
    expect((await audioState(player)).playbackRate).toBe(1.5)
    await speed.click()
    expect((await audioState(player)).playbackRate).toBe(2)
    await player.getByRole('button', { name: 'Play voice message' }).click()
    await expect.poll(async () => (await audioState(player)).paused).toBe(false)
  })

  test('with the keyboard: Enter starts, Escape cancels (nothing sent), Enter twice sends', async ({ alice, bob }) => {
    const a = alice.page
    await mic(a).focus()
    await a.keyboard.press('Enter')
    await expect(a.getByTestId('voice-clock')).toHaveText('0:01')
    // the recording panel (this recording's length does not matter: it is cancelled)
    expect(await seriousViolations(a)).toEqual([])
    await a.keyboard.press('Escape')
    await expect(a.getByTestId('voice-recorder')).toHaveAttribute('data-phase', 'idle')
    await expect(mic(a)).toBeFocused()
    await a.keyboard.press('Enter')
    await expect(a.getByTestId('voice-clock')).toHaveText('0:01')
    await a.keyboard.press('Enter')
    await expect(voiceMessage(bob.page).getByTestId('voice-duration')).toHaveText(/^0:0[12]$/)
    await expect(voiceMessage(a)).toHaveCount(1)
  })

  test('a microphone the browser refuses: the composer says so in words and how to allow it; nothing is sent', async ({ alice }) => {
    const a = alice.page
    // the browser's own refusal: this site's microphone permission set to "denied"
    const cdp = await a.context().newCDPSession(a)
    const { targetInfo } = await cdp.send('Target.getTargetInfo') as { targetInfo: { browserContextId?: string } }
    await cdp.send('Browser.setPermission', { permission: { name: 'microphone' }, setting: 'denied', origin: new URL(a.url()).origin, ...(targetInfo.browserContextId === undefined ? {} : { browserContextId: targetInfo.browserContextId }) })
    await mic(a).click()
    await expect(a.getByTestId('voice-problem')).toHaveText(/^Parley may not use the microphone\. To record voice messages, allow it for this site/)
    await expect(a.getByRole('alert').filter({ hasText: 'set Microphone to Allow' })).toBeVisible()
    await expect(a.getByTestId('voice-recorder')).toHaveAttribute('data-phase', 'idle')
    await expect(voiceMessage(a)).toHaveCount(0)
    expect(await seriousViolations(a)).toEqual([])
  })
})

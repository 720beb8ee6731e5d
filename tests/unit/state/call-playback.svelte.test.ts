/**
 * How a call plays the other side (state/call-playback.svelte.ts): the
 * sound output offered only where the browser can choose one and there is
 * more than one, set on the element that plays their sound and remembered
 * for the next call; picture-in-picture of their video where the browser
 * has it, the state following the browser's events, and left with the call.
 */
import { describe, expect, it } from 'vitest'
import { CallPlayback, OUTPUT_KEY } from '../../../src/lib/state/call-playback.svelte.ts'
import type { PlaybackPlatform } from '../../../src/lib/state/call-playback.svelte.ts'
import type { DeviceInfo } from '../../../src/lib/state/call-media.svelte.ts'

class FakeVideo extends EventTarget {
  sinkId = ''
  readyState = 0
  readonly sinks: string[] = []
  failSink: Error | undefined
  constructor (readonly browser: FakeBrowser) { super() }
  async setSinkId (id: string): Promise<void> {
    if (this.failSink !== undefined) throw this.failSink
    this.sinks.push(id)
    this.sinkId = id
  }

  async requestPictureInPicture (): Promise<void> {
    this.browser.pip = this
    this.dispatchEvent(new Event('enterpictureinpicture'))
  }
}

class FakeBrowser {
  pip: FakeVideo | null = null
  readonly storage = new Map<string, string>()
  platform (options: { sink?: boolean, pip?: boolean } = {}): PlaybackPlatform {
    return {
      canChooseOutput: options.sink ?? true,
      pictureInPictureEnabled: () => options.pip ?? true,
      pictureInPictureElement: () => this.pip as unknown as Element | null,
      exitPictureInPicture: async () => {
        const video = this.pip
        this.pip = null
        video?.dispatchEvent(new Event('leavepictureinpicture'))
      },
      read: (key) => this.storage.get(key) ?? null,
      write: (key, value) => { this.storage.set(key, value) }
    }
  }
}

const outputs = (...ids: string[]): DeviceInfo[] => [
  { kind: 'audioinput', deviceId: 'mic', label: 'Microphone' },
  ...ids.map(deviceId => ({ kind: 'audiooutput' as const, deviceId, label: deviceId === 'default' ? 'Default' : `Speaker ${deviceId}` }))
]

const settled = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

describe('the sound output', () => {
  it('offered where the browser can choose and there are several; the choice goes to the element and is remembered for the next call', async () => {
    const browser = new FakeBrowser()
    const playback = new CallPlayback(browser.platform())
    const element = new FakeVideo(browser)
    playback.attachSound(element as unknown as HTMLMediaElement)
    playback.devices(outputs('default', 'headset', 'speaker'))
    expect(playback.outputs.map(o => o.deviceId)).toEqual(['default', 'headset', 'speaker'])
    expect(playback.output).toBe('default')

    await playback.chooseOutput('speaker')
    expect(element.sinkId).toBe('speaker')
    expect(browser.storage.get(OUTPUT_KEY)).toBe('speaker')
    // one not offered is not taken
    await playback.chooseOutput('elsewhere')
    expect(playback.output).toBe('speaker')

    // the next call: the remembered output, set on its element as soon as it plays
    const next = new CallPlayback(browser.platform())
    next.devices(outputs('default', 'headset', 'speaker'))
    const nextElement = new FakeVideo(browser)
    next.attachSound(nextElement as unknown as HTMLMediaElement)
    await settled()
    expect(next.output).toBe('speaker')
    expect(nextElement.sinks).toEqual(['speaker'])
  })

  it('a remembered output that is gone: the first one; a browser that lists no system output gets one', () => {
    const browser = new FakeBrowser()
    browser.storage.set(OUTPUT_KEY, 'unplugged')
    const playback = new CallPlayback(browser.platform())
    playback.devices(outputs('headset', 'speaker'))
    expect(playback.outputs.map(o => [o.deviceId, o.label])).toEqual([['', 'As the system chooses'], ['headset', 'Speaker headset'], ['speaker', 'Speaker speaker']])
    expect(playback.output).toBe('')
    expect(browser.storage.get(OUTPUT_KEY)).toBe('unplugged')
  })

  it('nothing to offer without setSinkId, or with one output (beside the system\'s default)', async () => {
    const browser = new FakeBrowser()
    const cannot = new CallPlayback(browser.platform({ sink: false }))
    const element = new FakeVideo(browser)
    cannot.attachSound(element as unknown as HTMLMediaElement)
    cannot.devices(outputs('default', 'headset', 'speaker'))
    await settled()
    expect(cannot.outputs).toEqual([])
    expect(element.sinks).toEqual([])

    const one = new CallPlayback(browser.platform())
    one.devices(outputs('default', 'communications', 'speaker'))
    expect(one.outputs).toEqual([])
  })

  it('an output the browser refuses is said in words', async () => {
    const browser = new FakeBrowser()
    const playback = new CallPlayback(browser.platform())
    const element = new FakeVideo(browser)
    playback.attachSound(element as unknown as HTMLMediaElement)
    playback.devices(outputs('default', 'headset', 'speaker'))
    element.failSink = Object.assign(new Error('Requested device not found'), { name: 'NotFoundError' })
    await playback.chooseOutput('headset')
    expect(playback.problem).toBe('The sound could not be sent to that output: Requested device not found')
  })
})

describe('picture-in-picture', () => {
  it('offered once their video has its size; toggles; follows the browser; leaving the call leaves it', async () => {
    const browser = new FakeBrowser()
    const playback = new CallPlayback(browser.platform())
    expect(playback.canPictureInPicture).toBe(false)
    const video = new FakeVideo(browser)
    const detach = playback.attachVideo(video as unknown as HTMLVideoElement)
    expect(playback.canPictureInPicture).toBe(false)
    video.readyState = 1
    video.dispatchEvent(new Event('loadedmetadata'))
    expect(playback.canPictureInPicture).toBe(true)

    await playback.togglePictureInPicture()
    expect(browser.pip).toBe(video)
    expect(playback.pictureInPicture).toBe(true)
    await playback.togglePictureInPicture()
    expect(browser.pip).toBeNull()
    expect(playback.pictureInPicture).toBe(false)

    // the person closes the floating window themselves
    await playback.togglePictureInPicture()
    await browser.platform().exitPictureInPicture()
    expect(playback.pictureInPicture).toBe(false)

    await playback.togglePictureInPicture()
    playback.leave()
    await settled()
    expect(browser.pip).toBeNull()
    expect(playback.pictureInPicture).toBe(false)
    detach()
    expect(playback.canPictureInPicture).toBe(false)
  })

  it('not offered where the browser has none', () => {
    const browser = new FakeBrowser()
    const playback = new CallPlayback(browser.platform({ pip: false }))
    const video = new FakeVideo(browser)
    video.readyState = 4
    playback.attachVideo(video as unknown as HTMLVideoElement)
    expect(playback.canPictureInPicture).toBe(false)
  })
})

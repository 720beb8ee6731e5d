/**
 * Our side of a call's media (state/call-media.svelte.ts) against fake
 * cameras: switching replaces the track on the video sender and stops the
 * old one, cycling with two cameras and by id with more; none with one
 * camera or in a voice call; a camera that is off stays off across a switch;
 * a phone that opens one camera at a time; a camera that cannot be opened
 * brings the old one back; an unplugged camera is replaced by another, and
 * the last one's loss is said in words; closing lets everything go. The
 * screen shared goes on the video sender instead of the camera and back.
 */
import { describe, expect, it } from 'vitest'
import { CallMedia } from '../../../src/lib/state/call-media.svelte.ts'
import type { DeviceInfo } from '../../../src/lib/state/call-media.svelte.ts'
import { fakeDevices, FakePeerConnection } from '../../support/fake-media.ts'
import type { FakeDevicesOptions, FakeSender, FakeStream, FakeTrack } from '../../support/fake-media.ts'

async function inCall (options: FakeDevicesOptions, video = true): Promise<{ media: CallMedia, devices: ReturnType<typeof fakeDevices>, pc: FakePeerConnection, heard: DeviceInfo[][] }> {
  const devices = fakeDevices(options)
  const heard: DeviceInfo[][] = []
  const media = new CallMedia(devices.platform, (list) => { heard.push([...list]) })
  await media.open(video)
  const pc = new FakePeerConnection({})
  media.attach(pc as unknown as RTCPeerConnection)
  // the first listing, after the camera was granted
  await waitUntil(() => heard.length > 0)
  return { media, devices, pc, heard }
}

async function waitUntil (done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise(resolve => setTimeout(resolve, 0))
  expect(done()).toBe(true)
}

const video = (pc: FakePeerConnection): FakeSender => pc.senders.find(s => s.track === null || s.track.kind === 'video') as FakeSender
const preview = (media: CallMedia): FakeTrack | undefined => (media.local as unknown as FakeStream | undefined)?.getVideoTracks()[0]

describe('switching cameras', () => {
  it('two cameras: the next one replaces the track on the sender, the old one stops, the preview shows the new one; again cycles back', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['front', 'back'] })
    expect(media.cameras.map(c => c.deviceId)).toEqual(['front', 'back'])
    expect(media.camera).toBe('front')
    expect(media.canSwitch).toBe(true)
    const [first] = devices.opened
    const audio = pc.senders.find(s => s.track?.kind === 'audio')?.track

    await media.switchCamera()
    expect(media.camera).toBe('back')
    expect(video(pc).track?.deviceId).toBe('back')
    expect(preview(media)).toBe(video(pc).track)
    expect(first?.stopped).toBe(true)
    // the microphone is untouched, and only the camera was asked for
    expect(pc.senders.find(s => s.track?.kind === 'audio')?.track).toBe(audio)
    expect(audio?.stopped).toBe(false)
    expect(devices.asked.at(-1)).toEqual({ video: { deviceId: { exact: 'back' } } })
    expect(pc.senders).toHaveLength(2)

    await media.switchCamera()
    expect(video(pc).track?.deviceId).toBe('front')
    expect(devices.opened.filter(t => t.readyState === 'live').map(t => t.deviceId)).toEqual(['front'])
  })

  it('more than two cameras: the one chosen by id', async () => {
    const { media, pc } = await inCall({ cameras: ['a', 'b', 'c'] })
    await media.switchCamera('c')
    expect(video(pc).track?.deviceId).toBe('c')
    expect(media.camera).toBe('c')
  })

  it('one camera, or a voice call: nothing to switch', async () => {
    const one = await inCall({ cameras: ['only'] })
    expect(one.media.canSwitch).toBe(false)
    const voice = await inCall({ cameras: ['front', 'back'] }, false)
    expect(voice.media.camera).toBe('')
    expect(voice.media.canSwitch).toBe(false)
    await voice.media.switchCamera()
    expect(voice.devices.asked).toHaveLength(1)
  })

  it('a camera that is off stays off across a switch; turned on, the new camera is sent', async () => {
    const { media, pc } = await inCall({ cameras: ['front', 'back'] })
    media.toggleCamera()
    await waitUntil(() => video(pc).track === null)
    await media.switchCamera()
    expect(video(pc).track).toBeNull()
    expect(preview(media)?.deviceId).toBe('back')
    expect(preview(media)?.enabled).toBe(false)
    media.toggleCamera()
    await waitUntil(() => video(pc).track?.deviceId === 'back')
    expect(preview(media)?.enabled).toBe(true)
  })

  it('a phone that opens one camera at a time: the old one goes first', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['front', 'back'], oneCameraAtATime: true })
    await media.switchCamera()
    expect(video(pc).track?.deviceId).toBe('back')
    expect(devices.opened.filter(t => t.readyState === 'live').map(t => t.deviceId)).toEqual(['back'])
    expect(media.notice).toBe('')
  })

  it('a camera that cannot be opened: the one before it comes back, and that is said', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['front', 'back'] })
    devices.broken.add('back')
    await media.switchCamera()
    expect(video(pc).track?.deviceId).toBe('front')
    expect(video(pc).track?.readyState).toBe('live')
    expect(preview(media)).toBe(video(pc).track)
    expect(media.notice).toBe('Camera back could not be used; the camera before it is back.')
  })
})

describe('a camera that goes away mid-call', () => {
  it('unplugged: another camera takes over; the last one gone: no video, said in words; plugged cameras are listed', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['usb', 'built-in'] })
    devices.unplug('usb')
    await waitUntil(() => video(pc).track?.deviceId === 'built-in')
    expect(media.notice).toBe('The camera stopped; now using Camera built-in.')
    expect(media.cameras.map(c => c.deviceId)).toEqual(['built-in'])
    expect(media.canSwitch).toBe(false)
    expect(preview(media)?.deviceId).toBe('built-in')

    devices.unplug('built-in')
    await waitUntil(() => video(pc).track === null)
    expect(media.notice).toBe('The camera stopped. Your video is off until a camera is connected.')
    expect(preview(media)).toBeUndefined()
    expect(media.camera).toBe('')
    // the microphone goes on
    expect(pc.senders.find(s => s.track?.kind === 'audio')?.track?.readyState).toBe('live')
  })

  it('a devicechange that leaves our camera listed changes nothing but the list', async () => {
    const { media, devices, pc, heard } = await inCall({ cameras: ['front', 'back', 'side'] })
    const before = video(pc).track
    devices.unplug('side')
    await waitUntil(() => heard.length === 2)
    expect(media.cameras.map(c => c.deviceId)).toEqual(['front', 'back'])
    expect(video(pc).track).toBe(before)
    expect(media.notice).toBe('')
  })
})

describe('closing', () => {
  it('stops every track and listener; a switch in flight keeps nothing', async () => {
    const { media, devices } = await inCall({ cameras: ['front', 'back'] })
    expect(devices.listeners()).toBe(1)
    const switching = media.switchCamera()
    media.close()
    await switching
    expect(devices.listeners()).toBe(0)
    expect(devices.opened.every(t => t.readyState === 'ended')).toBe(true)
    expect(media.local).toBeUndefined()
    expect(media.cameras).toEqual([])
  })
})

describe('sharing the screen', () => {
  const screen = (devices: ReturnType<typeof fakeDevices>): FakeTrack | undefined => devices.opened.find(t => t.deviceId === 'screen')
  const shown = (media: CallMedia): FakeTrack | undefined => (media.preview as unknown as FakeStream | undefined)?.getVideoTracks()[0]

  it('the screen replaces the camera on the video sender and in the preview, for detail; stopping brings the camera back and ends the screen', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['front'], screen: 'allow' })
    expect(media.canShare).toBe(true)
    const camera = video(pc).track
    await media.shareScreen()
    expect(media.sharing).toBe(true)
    expect(video(pc).track?.deviceId).toBe('screen')
    expect((video(pc).track as unknown as { contentHint?: string }).contentHint).toBe('detail')
    expect(shown(media)?.deviceId).toBe('screen')
    // the camera stays open for when sharing stops, and nothing was renegotiated: still two senders
    expect(camera?.readyState).toBe('live')
    expect(pc.senders).toHaveLength(2)
    media.stopSharing()
    expect(media.sharing).toBe(false)
    await waitUntil(() => video(pc).track === camera)
    expect(screen(devices)?.stopped).toBe(true)
    expect(shown(media)).toBe(camera)
  })

  it('the browser\'s own "Stop sharing" (the screen\'s track ends) brings the camera back', async () => {
    const { media, devices, pc } = await inCall({ cameras: ['front'], screen: 'allow' })
    const camera = video(pc).track
    await media.shareScreen()
    screen(devices)?.unplug()
    expect(media.sharing).toBe(false)
    await waitUntil(() => video(pc).track === camera)
  })

  it('the camera turned off or switched while sharing leaves the screen on the sender; sharing stopped with the camera off sends nothing', async () => {
    const { media, pc } = await inCall({ cameras: ['front', 'back'], screen: 'allow' })
    await media.shareScreen()
    await media.switchCamera()
    expect(video(pc).track?.deviceId).toBe('screen')
    media.toggleCamera()
    expect(video(pc).track?.deviceId).toBe('screen')
    media.stopSharing()
    await waitUntil(() => video(pc).track === null)
    media.toggleCamera()
    await waitUntil(() => video(pc).track?.deviceId === 'back')
  })

  it('refused by the person: said in words, and the camera stays on the sender', async () => {
    const { media, pc } = await inCall({ cameras: ['front'], screen: 'deny' })
    const camera = video(pc).track
    await media.shareScreen()
    expect(media.sharing).toBe(false)
    expect(media.notice).toBe('The screen was not shared: the browser was not allowed to share it.')
    expect(video(pc).track).toBe(camera)
  })

  it('none in a voice call or a browser that cannot; the call\'s end stops the screen', async () => {
    expect((await inCall({ cameras: ['front'], screen: 'allow' }, false)).media.canShare).toBe(false)
    expect((await inCall({ cameras: ['front'] })).media.canShare).toBe(false)
    const { media, devices } = await inCall({ cameras: ['front'], screen: 'allow' })
    await media.shareScreen()
    media.close()
    expect(screen(devices)?.stopped).toBe(true)
    expect(media.sharing).toBe(false)
  })
})

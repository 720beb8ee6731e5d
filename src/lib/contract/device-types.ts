/** What crosses the tab/worker line about this device's account and its devices (methods/devices.ts). */

/** One device of the account's list, as the tab shows it. */
export interface DeviceView {
  /** its libp2p PeerID */
  peer: string
  /** what the person calls it; '' when unnamed */
  name: string
  /** when it was added, ms since the epoch */
  added: number
  /** it is the device this tab runs on */
  thisDevice: boolean
}

/** The account this device belongs to and its devices (Settings → Linked devices). */
export interface DevicesView {
  /** the account's PeerID: what contacts know */
  account: string
  /** this device's PeerID */
  device: string
  /** this device holds the account key (and signs the list) */
  holder: boolean
  /** this device's name as stored here (the list's may lag until the holder signs) */
  deviceName: string
  /** the held list's version; 0 before the first list */
  version: number
  /** a linked device the account's newer list no longer names: it no longer runs, and may only be erased */
  removed: boolean
  /** the listed devices, the account's first; before the first list, this device alone */
  devices: DeviceView[]
}

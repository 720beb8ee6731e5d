/** Codes of Web Push on this device (lib/p2p/push): a subscription the tab handed that the relays could not take. */
export const PUSH_ERRORS = {
  /** the endpoint is not an http(s) URL of at most `max` bytes of UTF-8 */
  pushEndpointInvalid: { max: 'number' },
  /** `key` ('p256dh', 'auth' or 'applicationServerKey') is not what a browser's subscription holds */
  pushKeyInvalid: { key: 'text' }
} as const

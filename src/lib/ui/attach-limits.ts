/**
 * How many files one drop, paste or share brings: attach.ts's limit, in a
 * module of its own that imports nothing, so that the service worker
 * (lib/pwa/pending-share.ts) takes the number without attach.ts's words
 * (lib/i18n, every string table).
 */

/** Most files one drop or paste sends; the rest are left out and reported. */
export const MAX_ATTACH_FILES = 10

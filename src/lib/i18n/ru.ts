/**
 * The Russian of every area in the app's shell, in one chunk that loads only
 * when the language in use is Russian (load-locale.ts: before the first paint
 * for a Russian browser or choice, or when Settings switches to it). English
 * is in the shell (index.ts); the areas that load with their screens
 * (backup, devices, link, push) carry both languages.
 */
import { ru as actions } from './messages/ru/actions.ts'
import { ru as add } from './messages/ru/add.ts'
import { ru as app } from './messages/ru/app.ts'
import { ru as callLog } from './messages/ru/call-log.ts'
import { ru as calls } from './messages/ru/calls.ts'
import { ru as chat } from './messages/ru/chat.ts'
import { ru as chats } from './messages/ru/chats.ts'
import { ru as common } from './messages/ru/common.ts'
import { ru as contacts } from './messages/ru/contacts.ts'
import { ru as copies } from './messages/ru/copies.ts'
import { ru as errors } from './messages/ru/errors.ts'
import { ru as files } from './messages/ru/files.ts'
import { ru as groups } from './messages/ru/groups.ts'
import { ru as invite } from './messages/ru/invite.ts'
import { ru as message } from './messages/ru/message.ts'
import { ru as network } from './messages/ru/network.ts'
import { ru as notices } from './messages/ru/notices.ts'
import { ru as onboarding } from './messages/ru/onboarding.ts'
import { ru as presence } from './messages/ru/presence.ts'
import { ru as pwa } from './messages/ru/pwa.ts'
import { ru as search } from './messages/ru/search.ts'
import { ru as share } from './messages/ru/share.ts'
import { ru as voice } from './messages/ru/voice.ts'
import type { RussianTables } from './index.ts'

export const RUSSIAN = {
  actions, add, app, callLog, calls, chat, chats, common, contacts, copies, errors, files, groups, invite, message, network, notices, onboarding, presence, pwa, search, share, voice
} as const satisfies RussianTables

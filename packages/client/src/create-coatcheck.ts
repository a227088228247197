import { CoatcheckClientError } from './coatcheck-client-error.ts'
import type { Coatcheck, CoatcheckOptions, LoginOptions, LogoutOptions } from './coatcheck.ts'
import type { SessionEndReason, SessionState } from './session-state.ts'
import { openCrossTab, type CrossTab, type CrossTabMessage } from './internal/cross-tab.ts'
import { createListeners } from './internal/listeners.ts'
import type { ServerSentEvent } from './internal/parse-event-stream.ts'
import { readOptions } from './internal/read-options.ts'
import {
  isRecord,
  isUnauthenticated,
  readError,
  readJson,
  toCoatcheckRequest,
} from './internal/request.ts'
import { readSession, type SessionAnswer } from './internal/read-session.ts'
import { watchSessionEvents } from './internal/session-events.ts'
import { freezeState } from './internal/freeze-state.ts'

const LOADING: SessionState = Object.freeze({ status: 'loading' })
const ANONYMOUS: SessionState = Object.freeze({ status: 'anonymous' })

/**
 * Creates the SDK for one Coatcheck. It holds no token and writes no storage: the session is
 * the `HttpOnly` cookie, which script cannot read. Nothing is sent until the first
 * `subscribe()` or `refresh()`, so creating it during server-side rendering is harmless.
 */
export function createCoatcheck<A = undefined>(options: CoatcheckOptions<A>): Coatcheck<A> {
  const { endpoint, channelName, events } = readOptions(options)
  const { permissions, fetch: customFetch } = options
  // The global fetch is looked up per call, so a later polyfill or test double applies.
  const send = (request: Request) => (customFetch ?? fetch)(request)
  const toRequest = (input: RequestInfo | URL, init?: RequestInit) =>
    toCoatcheckRequest(endpoint, input, init)
  const listeners = createListeners()
  let state = LOADING
  let rules: unknown
  let rulesKey = 'null'
  // Bumped by every refresh and every session end: a session answer that raced a newer
  // change is dropped instead of bringing an ended session back.
  let generation = 0
  let started = false
  let closed = false
  let crossTab: CrossTab | undefined
  let eventsStream: AbortController | undefined

  function setState(next: SessionState, nextRules?: unknown) {
    if (closed) return
    const previous = state
    const stateChanged = JSON.stringify(next) !== JSON.stringify(previous)
    const nextRulesKey = JSON.stringify(nextRules ?? null)
    if (!stateChanged && nextRulesKey === rulesKey) return
    if (stateChanged) state = freezeState(next)
    if (nextRulesKey !== rulesKey) {
      rules = nextRules
      rulesKey = nextRulesKey
      permissions?.update(rules)
    }
    if (next.status === 'authenticated' && previous.status !== 'authenticated') {
      crossTab?.post({ type: 'login', sub: next.user.sub })
    }
    syncEventsStream()
    listeners.notify()
  }

  /** Joins the other tabs; `true` the first time only. */
  function start(): boolean {
    if (started || closed) return false
    started = true
    crossTab = openCrossTab(channelName, onTabMessage)
    return true
  }

  async function refresh(): Promise<SessionState> {
    if (closed) return state
    start()
    const current = ++generation
    const answer = await readSession(send, toRequest('auth/session'))
    if (current === generation) applySession(answer)
    return state
  }

  function applySession(answer: SessionAnswer) {
    if (answer.status === 'authenticated') {
      setState(
        { status: 'authenticated', user: answer.user, expiresAt: answer.expiresAt },
        answer.rules,
      )
    } else if (answer.status === 'error') {
      setState({ status: 'error', error: answer.error })
    } else if (state.status === 'authenticated') {
      setState({ status: 'ended', reason: 'unauthenticated' })
    } else if (state.status !== 'ended') {
      setState(ANONYMOUS)
    }
  }

  /** The session is gone: this tab moves, and tells the others unless they told it. */
  function endSession(reason: SessionEndReason, tellOtherTabs: boolean) {
    if (state.status !== 'authenticated' && state.status !== 'loading') return
    generation++
    const wasAuthenticated = state.status === 'authenticated'
    // Told first: the others then stop waiting for this tab's events lock before it frees it.
    if (wasAuthenticated && tellOtherTabs) crossTab?.post({ type: 'ended', reason })
    setState(wasAuthenticated ? { status: 'ended', reason } : ANONYMOUS)
  }

  function extendSession(expiresAt: number) {
    if (state.status === 'authenticated') setState({ ...state, expiresAt }, rules)
  }

  function onTabMessage(message: CrossTabMessage) {
    switch (message.type) {
      case 'ended':
        return endSession(message.reason, false)
      case 'login':
        // Logged in elsewhere, or as someone else: the cookie changed under this tab.
        if (state.status !== 'authenticated' || state.user.sub !== message.sub) void refresh()
        return
      case 'refreshed':
        return extendSession(message.expiresAt)
    }
  }

  /** Only one tab streams events; it acts on them and relays them to the others. */
  function onServerEvent(event: ServerSentEvent) {
    let data: unknown
    try {
      data = JSON.parse(event.data)
    } catch {
      return
    }
    if (!isRecord(data)) return
    if (event.event === 'session-ended') {
      endSession(typeof data.reason === 'string' ? data.reason : 'unauthenticated', true)
    } else if (event.event === 'session-refreshed' && typeof data.expiresAt === 'number') {
      extendSession(data.expiresAt)
      crossTab?.post({ type: 'refreshed', expiresAt: data.expiresAt })
    }
  }

  function syncEventsStream() {
    const wanted = events && !closed && state.status === 'authenticated'
    if (wanted && !eventsStream) {
      eventsStream = new AbortController()
      watchSessionEvents(
        {
          lockName: `${channelName}:events`,
          open: (signal) =>
            send(toRequest('auth/events', { headers: { accept: 'text/event-stream' }, signal })),
          onEvent: onServerEvent,
          onUnauthenticated: () => endSession('unauthenticated', true),
          onReconnected: () => void refresh(),
        },
        eventsStream.signal,
      )
    } else if (!wanted && eventsStream) {
      eventsStream.abort()
      eventsStream = undefined
    }
  }

  async function logout(logoutOptions: LogoutOptions = {}) {
    start()
    let response: Response
    try {
      response = await send(
        toRequest('auth/logout', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ returnTo: logoutOptions.returnTo }),
        }),
      )
    } catch (cause) {
      throw new CoatcheckClientError(
        'network_error',
        'Coatcheck could not be reached',
        undefined,
        cause,
      )
    }
    // 401: there was no session left to end, which is what the caller wanted.
    if (!response.ok && response.status !== 401) throw await readError(response)
    const body = response.ok ? await readJson(response) : undefined
    generation++
    const wasAuthenticated = state.status === 'authenticated'
    setState(ANONYMOUS)
    if (wasAuthenticated) crossTab?.post({ type: 'ended', reason: 'logout' })
    if (isRecord(body) && typeof body.logoutUrl === 'string') {
      location.assign(checkNavigable(body.logoutUrl))
    }
  }

  function login(loginOptions: LoginOptions = {}) {
    const url = new URL(`${endpoint.base}/auth/login`)
    url.searchParams.set('returnTo', loginOptions.returnTo ?? location.href)
    if (loginOptions.prompt) url.searchParams.set('prompt', loginOptions.prompt)
    if (loginOptions.loginHint) url.searchParams.set('login_hint', loginOptions.loginHint)
    location.assign(url.href)
  }

  async function coatcheckFetch(input: RequestInfo | URL, init?: RequestInit) {
    const response = await send(toRequest(input, init))
    if (await isUnauthenticated(response)) endSession('unauthenticated', true)
    return response
  }

  return {
    getSnapshot: () => state,
    subscribe(listener) {
      if (start()) void refresh()
      return listeners.subscribe(listener)
    },
    refresh,
    login,
    logout,
    fetch: coatcheckFetch,
    can: (action, subject, field) =>
      state.status === 'authenticated' && !!permissions?.can(action, subject, field),
    ability: permissions?.ability as A,
    close() {
      closed = true
      syncEventsStream()
      crossTab?.close()
      listeners.clear()
    },
  }
}

/**
 * Only http(s) is followed: a `javascript:` URL from a misconfigured or compromised server
 * would otherwise run script in this page's origin.
 */
function checkNavigable(url: string): string {
  const { protocol } = new URL(url, location.href)
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new CoatcheckClientError('unexpected_response', 'The logout URL is not an http(s) URL')
  }
  return url
}

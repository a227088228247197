import { randomBytes } from 'node:crypto'
import type { CoatcheckConfigInput } from '@coatcheck/core'
import { DPOP_MOUNT } from './demo-api.ts'

/** Where each part of the demo is reached, e.g. `http://localhost:8080` (no trailing slash). */
export interface DemoUrls {
  spa: string
  /** The Vue example, a second SPA origin. */
  vue: string
  coatcheck: string
  idp: string
  api: string
}

/** Inputs of {@link buildDemoConfig}. */
export interface DemoConfigOptions {
  urls: Omit<DemoUrls, 'idp'>
  /** The development identity provider's issuer. */
  issuer: string
  /** Default `memory`. */
  sessionStore?: 'memory' | 'cookie'
}

/** The demo's client at the identity provider: a confidential client, like Coatcheck always is. */
export const DEMO_CLIENT_ID = 'coatcheck-demo'
/** Published on purpose: the demo runs on localhost only. Never reuse it. */
export const DEMO_CLIENT_SECRET = 'demo-secret-not-for-production'
/** The scope the demo API grants, and the audience-bound token carries. */
export const DEMO_API_SCOPE = 'demo:read'

/**
 * Coatcheck's configuration for the demo: the SPA on its own origin (the "CDN" topology), the
 * demo API behind `/api/demo` with the user's token (and behind `/api/dpop` with a
 * DPoP-bound one), and a fresh sealing key per run (so
 * sessions end when the demo restarts).
 */
export function buildDemoConfig(options: DemoConfigOptions): CoatcheckConfigInput {
  const { urls } = options
  return {
    environment: 'development',
    publicUrl: urls.coatcheck,
    keys: [randomBytes(32).toString('base64url')],
    idp: {
      issuer: options.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      // RFC 8707: ask for a token whose audience is the demo API, and only that API.
      resource: urls.api,
      scopes: ['openid', 'profile', 'email', DEMO_API_SCOPE],
    },
    spa: { url: `${urls.spa}/`, origins: [urls.vue] },
    session: { store: options.sessionStore ?? 'memory' },
    routes: [
      // The API's rules reach the SPA in `/auth/session`: one policy, buttons and checks agree.
      { path: '/api/demo', upstream: urls.api, token: 'user', permissions: '/my-permissions' },
      // The same API, where it takes only DPoP-bound tokens: a stolen token alone is useless.
      { path: '/api/dpop', upstream: `${urls.api}${DPOP_MOUNT}`, token: 'user', dpop: true },
    ],
  }
}

import type { DevUser } from './users.ts'
import { DevIdpError } from './errors.ts'

/**
 * Client metadata as oidc-provider takes it (RFC 7591 / OIDC Registration names). Any other
 * oidc-provider client property may be added.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface ClientMetadata {
  client_id: string
  client_secret?: string
  redirect_uris?: string[]
  post_logout_redirect_uris?: string[]
  /** Include `refresh_token` to get (session-bound, always rotated) refresh tokens. */
  grant_types?: string[]
  response_types?: string[]
  token_endpoint_auth_method?: string
  backchannel_logout_uri?: string
  backchannel_logout_session_required?: boolean
  [property: string]: unknown
}

/**
 * A resource server (API) that gets RFC 9068 JWT access tokens when a client asks for it
 * with `resource=<audience>`.
 * @see https://www.rfc-editor.org/rfc/rfc8707
 */
export interface DevApi {
  /** The resource indicator and `aud` of its access tokens: an absolute URL, no fragment. */
  audience: string
  /** Scopes this API knows; a client gets those it requested. */
  scopes: string[]
  /** Client ids allowed to ask for this API; every client when omitted. */
  clientIds?: string[]
}

/** Token and session lifetimes in seconds. */
export interface DevIdpTtl {
  /** Default 300 (5 minutes). */
  accessToken?: number
  /** Default 3600. */
  idToken?: number
  /** Default 14 days. */
  refreshToken?: number
  /** IdP login session; default 1 day. Refresh tokens die with it. */
  session?: number
}

/** Options of `startDevIdp`. Every one is optional. */
export interface DevIdpOptions {
  /** TCP port; default 0 (any free port). */
  port?: number
  /** Interface to listen on; default `127.0.0.1`. `localhost` listens on 127.0.0.1. */
  host?: string
  /** Issuer URL without path; default `http://<host>:<actual port>`. */
  issuer?: string
  /** Path of a users JSON file, or the users; default the shipped seed users. */
  users?: string | DevUser[]
  /** Clients registered at start; more can be added with `registerClient`. */
  clients?: ClientMetadata[]
  /** APIs that get JWT access tokens. */
  apis?: DevApi[]
  ttl?: DevIdpTtl
  /** Start even when `NODE_ENV=production`. Never do this for real users. */
  allowProduction?: boolean
  /** Refuse authorization requests that did not go through PAR (RFC 9126). */
  requirePushedAuthorizationRequests?: boolean
}

/** Options after defaults and checks; frozen. */
export interface ResolvedOptions {
  readonly port: number
  readonly host: string
  readonly issuer: string | undefined
  readonly users: string | DevUser[] | undefined
  readonly clients: readonly ClientMetadata[]
  readonly apis: readonly DevApi[]
  readonly ttl: Readonly<Required<DevIdpTtl>>
  readonly requirePushedAuthorizationRequests: boolean
}

const DAY = 24 * 60 * 60

/**
 * Applies defaults and refuses configurations that cannot work, before anything listens.
 * Refuses `NODE_ENV=production` unless `allowProduction` is set (D-27): a development IdP
 * with published passwords must never face real users by accident.
 */
export function resolveOptions(options: DevIdpOptions = {}): ResolvedOptions {
  if (process.env.NODE_ENV === 'production' && options.allowProduction !== true) {
    throw new DevIdpError(
      'refused_in_production',
      'The Coatcheck dev IdP is for development only and refuses to start with NODE_ENV=production. ' +
        'Unset NODE_ENV, or pass `allowProduction: true` (CLI: `--allow-production`) if you really mean it.',
    )
  }
  const ttl = {
    accessToken: checkTtl(options.ttl?.accessToken ?? 300, 'ttl.accessToken'),
    idToken: checkTtl(options.ttl?.idToken ?? 3600, 'ttl.idToken'),
    refreshToken: checkTtl(options.ttl?.refreshToken ?? 14 * DAY, 'ttl.refreshToken'),
    session: checkTtl(options.ttl?.session ?? DAY, 'ttl.session'),
  }
  const apis = (options.apis ?? []).map((api, index) => checkApi(api, `apis[${index}]`))
  return Object.freeze({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    issuer: options.issuer === undefined ? undefined : checkIssuer(options.issuer),
    users: options.users,
    clients: Object.freeze([...(options.clients ?? [])]),
    apis: Object.freeze(apis),
    ttl: Object.freeze(ttl),
    requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests === true,
  })
}

function checkTtl(value: number, path: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`\`${path}\` must be a positive whole number of seconds`)
  }
  return value
}

function checkApi(api: DevApi, path: string): DevApi {
  const url = URL.parse(api.audience)
  if (url === null || url.hash !== '' || api.audience.includes('#')) {
    // RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
    throw new TypeError(`\`${path}.audience\` must be an absolute URL without a fragment`)
  }
  if (
    !Array.isArray(api.scopes) ||
    api.scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))
  ) {
    throw new TypeError(`\`${path}.scopes\` must be an array of scope tokens (RFC 6749 §3.3)`)
  }
  return Object.freeze({ ...api, scopes: [...api.scopes] })
}

function checkIssuer(issuer: string): string {
  const url = URL.parse(issuer)
  if (url === null || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new TypeError('`issuer` must be an http(s) URL without query or fragment')
  }
  if (url.pathname !== '/') {
    // The provider is served at the root of its own server; a path would make every
    // advertised endpoint URL wrong.
    throw new TypeError(
      '`issuer` must not have a path: the dev IdP serves its endpoints at the root',
    )
  }
  return url.origin
}

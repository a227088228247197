import { z } from 'zod'

/**
 * The configuration schema: one zod schema is the config type, its validation and the
 * source of the reference docs (`docs/configuration.md`). Every option has a description.
 * Cross-field rules (cookie prefix vs domain, https outside development) live in
 * `parse-config.ts`, where they can name the fix.
 */

/** `new URL()` that answers undefined instead of throwing: refinements run even after `z.url()` failed. */
const tryUrl = (value: string) => (URL.canParse(value) ? new URL(value) : undefined)

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
  .refine((value) => !tryUrl(value)?.hash, 'must not have a #fragment')

const origin = z
  .url({ protocol: /^https?$/, error: 'must be an origin such as https://app.example.com' })
  .refine(
    (value) => value.replace(/\/$/, '') === tryUrl(value)?.origin,
    'must be an exact origin: scheme, host and port only, no path',
  )
  .transform((value) => new URL(value).origin)

const routePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, 'must be a path such as /api/orders')

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** One proxied API route: requests under `path` go to `upstream` with the user's token. */
export const routeSchema = z.strictObject({
  path: routePath.describe(
    'Path prefix on Coatcheck, e.g. `/api/orders`. `/api/orders/42` goes to `<upstream>/42`.',
  ),
  upstream: httpUrl.describe(
    'Base URL of the API. The destination is fixed here and re-checked after normalisation.',
  ),
  methods: z
    .array(httpMethod)
    .min(1)
    .default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
    .describe('HTTP methods allowed on this route; any other gets 405 without an upstream call.'),
  token: z
    .enum(['user', 'client', 'user-or-anonymous', 'none'])
    .default('user')
    .describe(
      '`user`: the session access token; no session → 401. `client`: a client-credentials ' +
        'token of Coatcheck itself, cached per route. `user-or-anonymous`: the user token when ' +
        'logged in, no token otherwise. `none`: no token, no session needed.',
    ),
  resource: httpUrl
    .optional()
    .describe(
      'RFC 8707 resource indicator: the route gets an access token for this audience only ' +
        '(P-08, R-06). Also requested at login.',
    ),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a valid scope token'))
    .optional()
    .describe("Scopes of this route's token (downscoping); also requested at login."),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'),
      z.string().regex(/^[\t\x20-\x7e]*$/, 'must be printable'),
    )
    .default({})
    .describe('Extra headers sent upstream on every request of this route.'),
  dpop: z
    .boolean()
    .default(false)
    .describe(
      'Send this route a DPoP-bound token with a fresh proof per request (RFC 9449), instead ' +
        'of a bearer token.',
    ),
  websocket: z
    .boolean()
    .default(false)
    .describe('Allow WebSocket upgrades on this route (the Origin must be an allowed SPA origin).'),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe('Time allowed for the upstream to send its response headers.'),
  permissions: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, 'must be a path such as /my-permissions')
    .optional()
    .describe(
      "Path, on this route's upstream, of the API's permissions endpoint (e.g. " +
        '`/my-permissions`, answering `{ rules }`). `/session` then carries those rules as ' +
        "`permissions.rules`, fetched with this route's token and cached until the tokens " +
        'are refreshed. Only for `user` and `user-or-anonymous` routes; one route at most.',
    ),
})

/** Coatcheck's DPoP key. */
const dpopSchema = z
  .strictObject({
    privateKey: z
      .strictObject({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string().min(1),
        y: z.string().min(1),
        d: z.string().min(1),
      })
      .optional()
      .describe(
        'EC P-256 private JWK that signs DPoP proofs (put `d` in `${ENV}`). Every instance ' +
          'needs the same key; without one each process makes its own.',
      ),
  })
  .prefault({})
  .describe('DPoP for `dpop: true` routes.')

/** The built SPA, served by Coatcheck itself (same-origin topology). */
const spaStaticSchema = z
  .strictObject({
    root: z
      .string()
      .min(1)
      .describe(
        'Folder of the built SPA (e.g. `dist`), absolute or relative to the working directory. ' +
          'Dotfiles and anything outside it (`..`, symbolic links) are never served.',
      ),
    index: z
      .string()
      .regex(/^[A-Za-z0-9._-]+\.html$/, 'must be a file name such as index.html')
      .default('index.html')
      .describe(
        'The HTML entry point, served with `Cache-Control: no-cache` and a CSP that allows ' +
          'its inline scripts and styles by hash (computed at start-up).',
      ),
    fallback: z
      .boolean()
      .default(true)
      .describe(
        'Answer navigations to paths without a file extension that match no file with the ' +
          'entry point (client-side routing). Never for the auth endpoints or API routes.',
      ),
  })
  .optional()
  .describe(
    'Serve the SPA from Coatcheck (same-origin topology). Hashed assets (`app-3f9a1c2b.js`) ' +
      'are cached for a year as immutable; every response gets nosniff, a Referrer-Policy ' +
      'and, for an https `publicUrl`, HSTS. Unset: Coatcheck serves no files.',
  )

/** How access tokens are kept fresh. */
const tokensSchema = z
  .strictObject({
    refreshSkewSeconds: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe('Refresh an access token this long before it expires (R-01).'),
    refreshLeaseMs: z
      .number()
      .int()
      .positive()
      .default(15_000)
      .describe(
        'How long one refresh may hold the per-session lock before another request may try.',
      ),
  })
  .prefault({})
  .describe('Token refresh.')

/** `session.sqlite`: the embedded store's file. */
const sqliteSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .default('coatcheck-sessions.db')
      .describe(
        'Database file, created with its directory at start-up. `coatcheck start` resolves a ' +
          "relative path against the config file's directory.",
      ),
  })
  .prefault({})
  .describe('The SQLite store (`session.store: sqlite`).')

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. redis-1.internal:26379')

/** `session.redis`: where Redis is. Sentinel and Cluster take their nodes as `host:port`. */
const redisSchema = z
  .strictObject({
    mode: z
      .enum(['standalone', 'sentinel', 'cluster'])
      .default('standalone')
      .describe(
        '`standalone` needs `url`; `sentinel` needs `nodes` (the sentinels) and `name`; `cluster` needs `nodes`.',
      ),
    url: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      .optional()
      .describe('Standalone server, e.g. `rediss://:${REDIS_PASSWORD}@redis.internal:6379/0`.'),
    nodes: z
      .array(hostPort)
      .min(1)
      .optional()
      .describe('Sentinel: the sentinels. Cluster: some start-up nodes.'),
    name: z.string().min(1).optional().describe('Sentinel: the name of the monitored master.'),
    username: z.string().min(1).optional().describe('Sentinel and Cluster: the ACL user.'),
    password: z
      .string()
      .min(1)
      .optional()
      .describe('Sentinel and Cluster: the password of the data nodes (put it in `${ENV}`).'),
    tls: z.boolean().default(false).describe('Sentinel and Cluster: connect with TLS.'),
    keyPrefix: z
      .string()
      .min(1)
      .default('coatcheck:')
      .describe('Prefix of every key and channel; give each deployment sharing a Redis its own.'),
    commandTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('A store call fails (503 `store_unavailable`) after this long without a reply.'),
    cacheSessions: z
      .boolean()
      .default(true)
      .describe(
        "Standalone and Sentinel: hold the sessions this instance reads, kept exact by Redis's invalidation messages (Redis 6+), so most API calls need no round trip. See `docs/stores.md`.",
      ),
  })
  .describe('The Redis store (`session.store: redis`).')

type SessionInput = { store: string; redis?: z.output<typeof redisSchema> | undefined }

/** The Redis options `session.store` needs: a mode without its address cannot connect. */
function checkRedisOptions(session: SessionInput, context: z.RefinementCtx): void {
  const { redis } = session
  const fail = (path: string[], message: string) =>
    context.addIssue({ code: 'custom', path, message })
  if (session.store === 'redis' && redis === undefined) {
    return fail(['redis'], 'is required when `session.store` is `redis`; set `session.redis.url`')
  }
  if (redis === undefined) return
  if (redis.mode === 'standalone' && redis.url === undefined) {
    fail(['redis', 'url'], 'is required in `standalone` mode, e.g. redis://127.0.0.1:6379')
  }
  if (redis.mode !== 'standalone' && redis.nodes === undefined) {
    fail(['redis', 'nodes'], `is required in \`${redis.mode}\` mode: list them as host:port`)
  }
  if (redis.mode === 'sentinel' && redis.name === undefined) {
    fail(['redis', 'name'], 'is required in `sentinel` mode: the name of the monitored master')
  }
}
/** Structured logs of the standalone server (`coatcheck start`). */
const loggingSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
      .default('info')
      .describe(
        'Lowest level written. `info`: one line per request and every security event (G-05); ' +
          '`silent`: none. Tokens, cookies, codes and secrets are redacted at every level.',
      ),
  })
  .prefault({})
  .describe('JSON log lines on standard output (see docs/operations.md).')

/** Prometheus metrics. */
const metricsSchema = z
  .strictObject({
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe(
        'Serve `/metrics` on this port, apart from the public one (recommended: keep it off ' +
          'the internet). `0` picks a free port.',
      ),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path such as /metrics')
      .optional()
      .describe(
        'Without `port`: serve metrics at this path of the main port. Unset (the default) ' +
          'means no metrics on the main port, so they are never public by accident.',
      ),
  })
  .prefault({})
  .describe('Prometheus metrics (see docs/operations.md for every series).')
/** The operator API: list and end a user's sessions. */
const operatorSchema = z
  .strictObject({
    token: z
      .string()
      .min(32, 'must be at least 32 characters of a random secret')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional()
      .describe(
        'Bearer credential of the operator API (`GET` and `DELETE <basePath>/operator/sessions?sub=`), ' +
          'at least 32 random characters; put `${ENV_VAR}` here. Unset (the default): the API ' +
          'is off and its paths answer 404.',
      ),
  })
  .prefault({})
  .describe('Operator API for support and incident response; off by default.')

/** The whole configuration, as written in a config file (after `${ENV}` substitution). */
export const configSchema = z.strictObject({
  environment: z
    .enum(['production', 'development'])
    .default('production')
    .describe(
      '`development` allows http URLs for Coatcheck, the SPA and the identity provider ' +
        '(localhost demos). Never use it in production.',
    ),
  publicUrl: httpUrl.describe(
    'The URL browsers use to reach Coatcheck, e.g. `https://api.example.com`. The redirect ' +
      'URI `<publicUrl><basePath>/callback` is built from it, never from request headers.',
  ),
  basePath: routePath
    .default('/auth')
    .describe('Prefix of the auth endpoints: `/login`, `/callback`, `/session`, `/logout`.'),
  keys: z
    .array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9_-]{43,}$/,
          'must be base64url of at least 32 random bytes (`openssl rand -base64 32 | tr "+/" "-_" | tr -d =`)',
        ),
    )
    .min(1, 'needs at least one key')
    .describe(
      'Secret keys (base64url, ≥ 32 bytes) that seal cookies. Newest first: new cookies are ' +
        'sealed with the first key and cookies sealed with any listed key still open.',
    ),
  idp: z
    .strictObject({
      issuer: httpUrl.describe(
        'Issuer identifier of the OpenID Provider; its metadata is discovered and its `issuer` ' +
          'must match exactly (L-12).',
      ),
      clientId: z.string().min(1).describe('Client ID registered at the identity provider.'),
      clientSecret: z
        .string()
        .min(1)
        .describe('Client secret; put `${ENV_VAR}` in the config file rather than the secret.'),
      clientAuthMethod: z
        .enum(['client_secret_basic', 'client_secret_post'])
        .default('client_secret_basic')
        .describe('How Coatcheck authenticates to the token, PAR and revocation endpoints.'),
      scopes: z
        .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a valid scope token'))
        .default(['openid', 'profile', 'email'])
        .refine((scopes) => scopes.includes('openid'), 'must include `openid`')
        .describe('Scopes requested at login.'),
      resource: httpUrl
        .optional()
        .describe(
          'RFC 8707 resource indicator requested at login, to get an audience-bound token.',
        ),
      pushedAuthorizationRequests: z
        .enum(['auto', 'always', 'never'])
        .default('auto')
        .describe(
          '`auto` uses PAR when the identity provider offers it; `always` fails when it does not; ' +
            '`never` is refused when the identity provider requires PAR.',
        ),
      timeoutMs: z
        .number()
        .int()
        .positive()
        .default(10_000)
        .describe('Time allowed for each call to the identity provider.'),
    })
    .describe("The OpenID Provider and this client's registration there."),
  spa: z
    .strictObject({
      url: httpUrl.describe(
        'Where the SPA lives; users land here after login and logout unless `returnTo` says ' +
          'otherwise. Its origin is allowed for CORS and Origin checks.',
      ),
      origins: z
        .array(origin)
        .default([])
        .describe(
          'More exact origins allowed to call Coatcheck with credentials (CORS) and as `returnTo`.',
        ),
      static: spaStaticSchema,
    })
    .describe('The single-page app Coatcheck serves.'),
  cookie: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, 'must be a valid cookie name')
        .default('__Host-coatcheck')
        .describe(
          'Session cookie name. The `__Host-` prefix makes browsers enforce Secure, Path=/ and no Domain.',
        ),
      sameSite: z
        .enum(['strict', 'lax', 'none'])
        .default('strict')
        .describe('SameSite of the session cookie (C-03). `none` only for embedded widgets.'),
      domain: z
        .string()
        .min(1)
        .optional()
        .describe('Domain attribute; leave unset (C-04). Not allowed with a `__Host-` name.'),
    })
    .prefault({})
    .describe('The session cookie (C-01..C-05).'),
  session: z
    .strictObject({
      store: z
        .enum(['memory', 'cookie', 'sqlite', 'redis'])
        .default('memory')
        .describe(
          '`memory`: sessions in this process (lost on restart). `cookie`: the whole session ' +
            'sealed (AES-GCM) in chunked cookies; nothing stored on the server. `sqlite`: a file ' +
            'on this host (survives restarts). `redis`: shared by many instances. `coatcheck ' +
            'start` uses `sqlite` when unset; see docs/stores.md.',
        ),
      sqlite: sqliteSchema,
      redis: redisSchema.optional(),
      idleTimeoutSeconds: z
        .number()
        .int()
        .positive()
        .default(1800)
        .describe('A session unused for this long ends (C-12).'),
      absoluteTimeoutSeconds: z
        .number()
        .int()
        .positive()
        .default(28_800)
        .describe('A session ends this long after login, used or not (C-12).'),
      claims: z
        .array(z.string().min(1))
        .default([
          'sub',
          'name',
          'given_name',
          'family_name',
          'email',
          'preferred_username',
          'roles',
        ])
        .describe('ID-token claims the SPA may read from `/session` (C-14). Tokens never.'),
    })
    .superRefine(checkRedisOptions)
    .prefault({})
    .describe('Where sessions live and how long they last.'),
  csrf: z
    .strictObject({
      headerName: z
        .string()
        .regex(/^[a-z0-9-]+$/, 'must be a lower-case header name')
        .default('x-csrf')
        .describe('Static anti-CSRF header every SPA request must carry (X-02).'),
      headerValue: z.string().min(1).default('1').describe('Its required value.'),
    })
    .prefault({})
    .describe('Cross-site request forgery defence.'),
  logout: z
    .strictObject({
      idTokenHint: z
        .boolean()
        .default(true)
        .describe('Send `id_token_hint` to the end-session endpoint (O-03).'),
      revokeRefreshToken: z
        .boolean()
        .default(true)
        .describe('Revoke the refresh token at the identity provider on logout (O-02).'),
    })
    .prefault({})
    .describe('RP-initiated logout.'),
  tokens: tokensSchema,
  dpop: dpopSchema,
  operator: operatorSchema,
  routes: z
    .array(routeSchema)
    .default([])
    .superRefine((routes, check) => {
      routes.forEach((route, index) => {
        // A client or anonymous token would serve one caller's rules as everybody's.
        if (
          route.permissions !== undefined &&
          route.token !== 'user' &&
          route.token !== 'user-or-anonymous'
        ) {
          check.addIssue({
            code: 'custom',
            path: [index, 'permissions'],
            message: "needs `token: user` or `user-or-anonymous`: the rules are the user's",
          })
        }
        if (route.permissions !== undefined && !route.methods.includes('GET')) {
          check.addIssue({
            code: 'custom',
            path: [index, 'methods'],
            message: 'must include GET: the permissions endpoint is read with GET',
          })
        }
      })
      if (routes.filter((route) => route.permissions !== undefined).length > 1) {
        check.addIssue({
          code: 'custom',
          message: 'only one route may name a `permissions` endpoint',
        })
      }
    })
    .describe('API routes proxied with token injection.'),
  logging: loggingSchema,
  metrics: metricsSchema,
})

/** The configuration as written, before defaults. */
export type CoatcheckConfigInput = z.input<typeof configSchema>
/** One proxied route, after defaults. */
export type RouteConfig = z.output<typeof routeSchema>

// Docker and Kubernetes cannot run here: the deployment files are parsed, linted and their
// embedded Coatcheck configuration validated against the real schema, so they stay in step.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { buildClientRegistration, parseConfig } from '@coatcheck/core'
import { parseAllDocuments, parse } from 'yaml'
import { checkConfig } from '../src/doctor/check-config.ts'
import { substituteEnv } from '../src/internal/substitute-env.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const DEPLOY = join(ROOT, 'deploy')
const DUMMY_ENV: Record<string, string> = {
  COATCHECK_KEY: 'q3Jx9vTzL0cPwY7mKd2RbN5sHf8uGa1eXi4oVn6tZyC',
  COATCHECK_CLIENT_SECRET: 'Vn4pQ8sX2mLz7cRt0bKw5yHj9dGf3aEu1iNo6yTr',
  REDIS_PASSWORD: 'Hs7dKq2wLp9xNc4vRb8tZm3yFg6jAe1u',
}

type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** `${NAME}` references in a text. */
const referencedVariables = (text: string) =>
  new Set([...text.matchAll(/\$\{([A-Z0-9_]+)(?::-[^}]*)?\}/g)].map((m) => m[1]))

/** A Coatcheck config file's text → the validated configuration, with dummy secrets. */
function validateConfig(text: string) {
  const substituted = substituteEnv(parse(text), DUMMY_ENV)
  assert.deepEqual(substituted.issues, [])
  const config = parseConfig(substituted.value)
  const errors = checkConfig(config).filter((finding) => finding.severity === 'error')
  assert.deepEqual(errors, [], 'coatcheck doctor finds no error in it')
  return config
}

/**
 * Lint rules for a Dockerfile, in the spirit of hadolint: what the image must be to run
 * safely with a read-only root file system. Returns the broken rules.
 */
function lintDockerfile(text: string, root: string): string[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/)
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') }
    })
  const problems: string[] = []
  const froms = instructions.filter((i) => i.keyword === 'FROM')
  if (froms.length < 2) problems.push('multi-stage: build and runtime stages are separate')
  const stageNames = new Set<string>()
  for (const { args } of froms) {
    const [image = '', as, name] = args.split(/\s+/)
    if (!stageNames.has(image)) {
      const tag = image.includes('@sha256:') ? 'digest' : image.split(':')[1]
      if (tag === undefined || tag === 'latest' || (!/\d+\.\d+/.test(tag) && tag !== 'digest')) {
        problems.push(`pinned base image: ${image} needs a version tag or digest`)
      }
    }
    if (as?.toUpperCase() === 'AS' && name) stageNames.add(name)
  }
  // Every stage that runs something (ENTRYPOINT or CMD), and the final one, drops root.
  const stages = instructions.reduce<(typeof instructions)[]>((all, instruction) => {
    if (instruction.keyword === 'FROM') all.push([])
    all.at(-1)?.push(instruction)
    return all
  }, [])
  stages.forEach((stage, i) => {
    const runs = stage.some((s) => s.keyword === 'ENTRYPOINT' || s.keyword === 'CMD')
    if (!runs && i < stages.length - 1) return
    const user = stage.filter((s) => s.keyword === 'USER').at(-1)?.args
    if (user === undefined || /^(root|0)(:|$)/.test(user)) {
      problems.push(`USER: stage ${i + 1} runs as a non-root user`)
    }
  })
  const finalStage = stages.at(-1) ?? []
  for (const { keyword, args } of instructions) {
    if (keyword === 'ADD' && /(https?|ftp):\/\//.test(args)) {
      problems.push(`ADD from a URL: ${args}`)
    }
    if ((keyword === 'ENV' || keyword === 'ARG') && /(SECRET|PASSWORD|KEY|TOKEN)\w*=/i.test(args)) {
      problems.push(`secret in ${keyword}: ${args.split('=')[0]}`)
    }
    if (keyword === 'COPY' && !args.includes('--from=')) {
      const paths = args.split(/\s+/).filter((part) => !part.startsWith('--'))
      for (const source of paths.slice(0, -1)) {
        if (!existsSync(join(root, source))) problems.push(`COPY source missing: ${source}`)
      }
    }
  }
  const healthcheck = finalStage.find((i) => i.keyword === 'HEALTHCHECK')
  if (!healthcheck?.args.includes('/healthz')) problems.push('HEALTHCHECK on /healthz')
  for (const keyword of ['ENTRYPOINT', 'CMD']) {
    const instruction = finalStage.find((i) => i.keyword === keyword)
    if (instruction && !instruction.args.startsWith('[')) {
      problems.push(`${keyword} in exec form, so signals reach Node`)
    }
  }
  return problems
}

describe('deploy/Dockerfile', () => {
  it('passes the lint rules: multi-stage, pinned, non-root, HEALTHCHECK, no ADD from URLs, no dev IdP in the gateway image', async () => {
    const text = await readFile(join(DEPLOY, 'Dockerfile'), 'utf8')
    assert.deepEqual(lintDockerfile(text, ROOT), [])
    const runtime = text.slice(text.lastIndexOf('\nFROM '))
    assert.doesNotMatch(runtime, /dev-idp/, 'the development identity provider stays out (D-27)')
  })

  it('the lint rules catch a careless Dockerfile', () => {
    const bad = [
      'FROM node:latest',
      'ENV CLIENT_SECRET=abc',
      'ADD https://example.com/app.tgz /app',
      'COPY no-such-dir /app',
      'CMD node server.js',
    ].join('\n')
    const problems = lintDockerfile(bad, ROOT)
    for (const rule of [
      /multi-stage/,
      /pinned/,
      /USER/,
      /ADD from a URL/,
      /secret in ENV/,
      /COPY source missing/,
      /HEALTHCHECK/,
      /CMD in exec form/,
    ]) {
      assert.ok(
        problems.some((problem) => rule.test(problem)),
        `${rule} in ${problems.join('; ')}`,
      )
    }
  })
})

describe('deploy/compose.yaml', () => {
  it('runs Coatcheck, Redis and the development identity provider with a valid configuration', async () => {
    const text = await readFile(join(DEPLOY, 'compose.yaml'), 'utf8')
    const compose = parse(text) as Doc
    assert.deepEqual(Object.keys(compose['services']).sort(), ['coatcheck', 'idp', 'redis'])
    const coatcheck = compose['services'].coatcheck
    assert.equal(coatcheck.read_only, true)
    // `$$` is Compose's escape: Coatcheck itself sees `${VAR}` and reads its environment.
    const configText = String(compose['configs']['coatcheck-config'].content).replaceAll('$$', '$')
    const config = validateConfig(configText)
    for (const name of referencedVariables(configText)) {
      assert.ok(name && name in coatcheck.environment, `${name} is passed to the container`)
    }
    // The client the dev IdP registers is the one Coatcheck uses (Compose fills the secret).
    const clientsText = String(compose['configs']['idp-clients'].content).replace(
      '${COATCHECK_CLIENT_SECRET}',
      DUMMY_ENV['COATCHECK_CLIENT_SECRET']!,
    )
    const [client] = JSON.parse(clientsText) as Doc[]
    const registration = buildClientRegistration(config)
    for (const key of [
      'client_id',
      'client_secret',
      'redirect_uris',
      'post_logout_redirect_uris',
      'grant_types',
      'response_types',
      'token_endpoint_auth_method',
    ]) {
      assert.deepEqual(client?.[key], registration[key], key)
    }
    // Build targets are stages of the Dockerfile.
    const dockerfile = await readFile(join(DEPLOY, 'Dockerfile'), 'utf8')
    for (const service of Object.values(compose['services']) as Doc[]) {
      const target = service['build']?.target
      if (target) assert.match(dockerfile, new RegExp(`^FROM \\S+ AS ${target}$`, 'm'))
    }
    const idpArgs: string[] = compose['services'].idp.command
    assert.ok(idpArgs.includes(`--issuer=${config.idp.issuer}`))
  })
})

describe('deploy/kubernetes', () => {
  async function loadManifests(): Promise<Doc[]> {
    const dir = join(DEPLOY, 'kubernetes')
    const docs: Doc[] = []
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
        assert.deepEqual(doc.errors, [], file)
        const value = doc.toJS() as Doc
        assert.ok(value['apiVersion'] && value['kind'] && value['metadata']?.name, file)
        docs.push(value)
      }
    }
    return docs
  }
  const byKind = (docs: Doc[], kind: string) => {
    const found = docs.find((doc) => doc['kind'] === kind)
    assert.ok(found, kind)
    return found
  }

  it('has a hardened Deployment with /healthz and /readyz probes and secrets from a Secret', async () => {
    const docs = await loadManifests()
    const deployment = byKind(docs, 'Deployment')
    const pod = deployment['spec'].template.spec
    const [container] = pod.containers as Doc[]
    assert.equal(container?.['livenessProbe'].httpGet.path, '/healthz')
    assert.equal(container?.['readinessProbe'].httpGet.path, '/readyz')
    assert.equal(container?.['securityContext'].readOnlyRootFilesystem, true)
    assert.equal(container?.['securityContext'].allowPrivilegeEscalation, false)
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.ok(
      (pod.volumes as Doc[]).some((volume) => volume['name'] === 'tmp' && volume['emptyDir']),
    )

    const configMap = byKind(docs, 'ConfigMap')
    const configText = String(configMap['data']['config.yaml'])
    const config = validateConfig(configText)
    assert.equal(config.environment, 'production')
    const env = new Map((container?.['env'] as Doc[]).map((entry) => [entry['name'], entry]))
    for (const name of referencedVariables(configText)) {
      assert.ok(env.get(name)?.['valueFrom']?.secretKeyRef, `${name} comes from a Secret`)
    }
    assert.ok(String(configText).includes('${COATCHECK_CLIENT_SECRET}'), 'no secret inline')
  })

  it('selects the Deployment’s pods from the Service and the PodDisruptionBudget', async () => {
    const docs = await loadManifests()
    const labels = byKind(docs, 'Deployment')['spec'].template.metadata.labels
    assert.deepEqual(byKind(docs, 'Service')['spec'].selector, labels)
    const pdb = byKind(docs, 'PodDisruptionBudget')
    assert.deepEqual(pdb['spec'].selector.matchLabels, labels)
    assert.ok(pdb['spec'].minAvailable < byKind(docs, 'Deployment')['spec'].replicas)
  })
})

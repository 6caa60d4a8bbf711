// SPDX-License-Identifier: MIT OR Apache-2.0
// Starts the reference peers on 127.0.0.1 for the atsync tests: a PLC directory (in memory, from
// @did-plc/server) and one or more PDS instances (@atproto/pds, each with its own data directory),
// then takes commands, one JSON object per line on stdin, and answers one JSON object per line on
// stdout. It exits when stdin closes, so a test that dies takes its peers with it.
//
//   node peers.mjs --plc-port 5000 --pds-ports 5001,5002 [--data-dir DIR]
//
// First line out: {"ready":true,"plc":URL,"pds":[{"url":URL,"did":DID,"adminPassword":PW}...]}
// Then for each command {"id":N,"cmd":NAME,...args}: {"id":N,"ok":true,"result":...} or
// {"id":N,"ok":false,"error":MESSAGE}. Commands are the Workload methods (workload.mjs).
// Logs go to stderr.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { parseArgs } from 'node:util'
import * as plc from '@did-plc/server'
import { PDS } from '@atproto/pds'
import { Workload } from './workload.mjs'

const { values: args } = parseArgs({
  options: {
    'plc-port': { type: 'string' },
    'pds-ports': { type: 'string' },
    'data-dir': { type: 'string' },
  },
})
if (!args['plc-port'] || !args['pds-ports']) {
  console.error('usage: node peers.mjs --plc-port PORT --pds-ports PORT[,PORT...] [--data-dir DIR]')
  process.exit(2)
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const log = (...a) => console.error('[peers]', ...a)

const ownDataDir = !args['data-dir']
const dataDir = args['data-dir'] ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'atsync-peers-')))
const plcPort = Number(args['plc-port'])
const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
await plcServer.start()
const plcUrl = `http://localhost:${plcPort}`
log('PLC directory at', plcUrl)

const pdses = []
for (const [i, p] of args['pds-ports'].split(',').entries()) {
  const port = Number(p)
  const dir = path.join(dataDir, `pds-${i}`)
  await fs.mkdir(dir, { recursive: true })
  const adminPassword = randomBytes(12).toString('hex')
  const server = await PDS.fromEnv({
    devMode: true,
    hostname: 'localhost',
    port,
    dataDirectory: dir,
    blobstoreDiskLocation: path.join(dir, 'blobs'),
    didPlcUrl: plcUrl,
    adminPassword,
    jwtSecret: randomBytes(16).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: randomBytes(32).toString('hex'),
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    disableSsrfProtection: true,
    acceptingImports: true,
    bskyAppViewUrl: 'https://appview.invalid',
    bskyAppViewDid: 'did:example:invalid',
    modServiceUrl: 'https://moderator.invalid',
    modServiceDid: 'did:example:invalid',
    crawlers: [],
  })
  await server.start()
  const url = `http://localhost:${port}`
  pdses.push({ url, ctx: server.ctx, adminPassword, server })
  log(`PDS ${i} at ${url}`)
}

const workload = new Workload(pdses)
out({
  ready: true,
  plc: plcUrl,
  pds: pdses.map((p) => ({ url: p.url, did: p.ctx.cfg.service.did, adminPassword: p.adminPassword })),
})

let queue = Promise.resolve()
const rl = readline.createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (!line.trim()) return
  queue = queue.then(async () => {
    let cmd
    try {
      cmd = JSON.parse(line)
      const fn = workload[cmd.cmd]
      if (typeof fn !== 'function' || cmd.cmd === 'constructor' || cmd.cmd === 'account') {
        throw new Error(`unknown command ${cmd.cmd}`)
      }
      out({ id: cmd.id, ok: true, result: await fn.call(workload, cmd) })
    } catch (err) {
      log('command failed', line, err)
      out({ id: cmd?.id ?? null, ok: false, error: String(err?.message ?? err) })
    }
  })
})
rl.on('close', async () => {
  await queue
  for (const p of pdses) await p.server.destroy().catch(() => {})
  await plcServer.destroy().catch(() => {})
  if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true }).catch(() => {})
  process.exit(0)
})

// npm jpush-sdk 3.5.0 (JPush's official Node.js client) against the mock.
//
// Only the base URL changes. The package keeps it in a private constant
// (REPORT_API_URL = 'https://report.jpush.cn/v3') and sends through the `request` module's
// defaults(); this script wraps request.defaults() before loading the package so that
// the report host is replaced by the mock's base URL in each request (a patch of the
// dependency's entry point in this process; the package's files are untouched).
// Reads its settings as JSON from CLIENT_SETTINGS; prints one JSON object: what each
// call returned, or the error it gave. Never prints a credential.
'use strict'

const http = require('http')
const settings = JSON.parse(process.env.CLIENT_SETTINGS)
const base = settings.base_url
const REAL_HOST = 'https://report.jpush.cn'

const request = require('request')
const originalDefaults = request.defaults
request.defaults = function (options) {
  const client = originalDefaults.call(this, options)
  const routed = {}
  for (const method of ['get', 'post', 'put', 'delete', 'del']) {
    routed[method] = (params, callback) =>
      client[method](Object.assign({}, params, { url: params.url.replace(REAL_HOST, base) }), callback)
  }
  return routed
}
const JPush = require('jpush-sdk')

const vip = JPush.buildClient(settings.vip_key, settings.vip_secret)
const plain = JPush.buildClient(settings.plain_key, settings.plain_secret)
const wrong = JPush.buildClient(settings.vip_key, '0'.repeat(24))
const ids = settings.msg_ids.join(',')

// What a call gave: its result, or its error (status and the body's error code).
function outcome (call) {
  return new Promise((resolve) => {
    call((err, res) => {
      if (!err) return resolve({ ok: true, payload: res })
      let code = null
      try { code = JSON.parse(err.response).error.code } catch (e) {}
      resolve({ ok: false, error: err.name, status: err.httpCode, code: code })
    })
  })
}

function control (method, path, body) {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body)
    const req = http.request(base + path, { method: method, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      res.resume()
      res.on('end', () => res.statusCode === 200 ? resolve() : reject(new Error('control ' + path + ': ' + res.statusCode)))
    })
    req.on('error', reject)
    req.end(text)
  })
}

async function main () {
  const results = {
    received: await outcome((cb) => vip.getReportReceiveds(ids, cb)),
    messages: await outcome((cb) => vip.getReportMessages(ids, cb)),
    users_day: await outcome((cb) => vip.getReportUsers('DAY', settings.three_days_ago, 3, cb)),
    users_month: await outcome((cb) => vip.getReportUsers('MONTH', settings.month, 1, cb)),
    unauthorized: await outcome((cb) => wrong.getReportReceiveds(ids, cb)),
    vip_only: await outcome((cb) => plain.getReportMessages(ids, cb))
  }
  await control('PUT', '/_mock/rate-limits', { jpush: { limit: 2, window_seconds: 60 } })
  for (let i = 0; i < 2; i++) await outcome((cb) => vip.getReportReceiveds(ids, cb))
  results.rate_limited = await outcome((cb) => vip.getReportReceiveds(ids, cb))
  await control('PUT', '/_mock/rate-limits', { jpush: { limit: 2400, window_seconds: 60 } })
  process.stdout.write(JSON.stringify(results))
}

main().catch((e) => { console.error(e.message); process.exit(1) })

// The harness checked on pages with known faults, served on 127.0.0.1 with the dashboard's
// Content-Security-Policy: `node --test tests/browser/` (after `npm ci --prefix tests/browser`;
// needs Debian's chromium at /usr/bin/chromium, or CHROMIUM=path).

import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {fileURLToPath} from 'node:url'

const audit = path.join(path.dirname(fileURLToPath(import.meta.url)), 'audit.mjs')
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium'

// The policy of src/present/html.rs: no script at all.
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

const page = (title, body, style = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>body { margin: 0; color: #111; background: #fff; } ${style}</style></head>
<body><main><h1>${title}</h1>${body}</main><script>document.documentElement.dataset.scriptRan = 'yes'</script></body></html>`

const PAGES = {
  '/faulty': page(
    'Faulty',
    '<p class="faint">Too pale to read.</p><div class="wide"></div><div class="scroller"><table><tr><td>Scrolls in its own box</td></tr></table></div>',
    '.faint { color: #c8c8c8; } .wide { width: 900px; height: 20px; background: #036; } .scroller { overflow-x: auto; } .scroller table { width: 2000px; }'
  ),
  '/clean': page('Clean', '<p>Readable text.</p>')
}

let server
let base

before(async () => {
  server = http.createServer((request, response) => {
    const body = PAGES[request.url]
    response.writeHead(body ? 200 : 404, {'content-type': 'text/html; charset=utf-8', 'content-security-policy': POLICY})
    response.end(body ?? 'not found')
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(() => new Promise(resolve => server.close(resolve)))

function run(spec) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [audit, JSON.stringify(spec)], {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => (stdout += chunk))
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('error', reject)
    child.on('close', code => resolve({code, stdout, stderr}))
  })
}

test('a wide element and pale text are caught, at the phone size only for the overflow', async () => {
  const {code, stdout, stderr} = await run({chromium, urls: [`${base}/faulty`], evaluate: {scriptRan: "document.documentElement.dataset.scriptRan || 'no'"}})
  assert.equal(code, 0, stderr)
  const [phone, desktop] = JSON.parse(stdout)
  assert.deepEqual(phone.viewport, [390, 844])
  assert.equal(phone.innerWidth, 390)
  assert.ok(phone.scrollWidth > phone.innerWidth, `scrollWidth ${phone.scrollWidth}`)
  assert.deepEqual(phone.overflowing, ['div.wide'], 'the table scrolls inside its own box and is not counted')
  assert.deepEqual(desktop.viewport, [1280, 800])
  assert.ok(desktop.scrollWidth <= desktop.innerWidth)
  for (const entry of [phone, desktop]) {
    assert.deepEqual(
      entry.violations.map(v => v.id),
      ['color-contrast']
    )
    assert.equal(entry.violations[0].nodes.length, 1)
    assert.equal(entry.values.scriptRan, 'no', "the page's own script stays blocked by its policy")
  }
})

test('a clean page has no violation and no overflow', async () => {
  const {code, stdout, stderr} = await run({chromium, urls: [`${base}/clean`]})
  assert.equal(code, 0, stderr)
  for (const entry of JSON.parse(stdout)) {
    assert.equal(entry.status, 200)
    assert.ok(entry.scrollWidth <= entry.innerWidth)
    assert.deepEqual(entry.overflowing, [])
    assert.deepEqual(entry.violations, [])
  }
})

test('a page that answers 404 makes the run fail with exit 3', async () => {
  const {code, stdout, stderr} = await run({chromium, urls: [`${base}/missing`], viewports: [[390, 844]]})
  assert.equal(code, 3)
  assert.match(stderr, /HTTP 404/)
  assert.match(JSON.parse(stdout)[0].error, /HTTP 404/)
})

test('a missing Chromium is exit 2 with what to do', async () => {
  const {code, stderr} = await run({chromium: '/nonexistent/chromium', urls: [`${base}/clean`]})
  assert.equal(code, 2)
  assert.match(stderr, /apt-get install chromium/)
})

test('an invalid spec is exit 1', async () => {
  const {code, stderr} = await run({urls: [`${base}/clean`], viewport: [390, 844]})
  assert.equal(code, 1)
  assert.match(stderr, /unknown field `viewport`/)
})

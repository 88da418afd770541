#!/usr/bin/env node
// Loads pages in a real headless Chromium at given viewport sizes and reports, per page and
// size, whether the page overflows horizontally, what axe-core finds, and the values of extra
// JavaScript expressions. It judges nothing: the Rust tests that run it assert on its output.
//
// Usage:
//   node tests/browser/audit.mjs '<spec>'     the spec as the first argument
//   node tests/browser/audit.mjs < spec.json  or on standard input (also with `-` as argument)
//
// The spec (JSON):
//   {
//     "chromium": "/usr/bin/chromium",           optional, this is the default
//     "urls": ["http://127.0.0.1:8080/", ...],   required, at least one
//     "viewports": [[390, 844], [1280, 800]],    optional, this is the default
//     "evaluate": {"name": "JS expression"},     optional; each evaluated in every page
//     "page_timeout_ms": 20000,                  optional, at most 20000: loading one page
//     "run_timeout_ms": 120000                   optional: the whole run
//   }
//
// Standard output, when the browser ran: ONE JSON document, an array with one entry per URL
// and viewport, URLs outer, viewports inner, in the spec's order:
//   [{"url": "...", "viewport": [390, 844], "status": 200,
//     "scrollWidth": 390, "innerWidth": 390,
//     "overflowing": ["div.wide", ...],        elements whose right edge passes innerWidth, first 10
//     "violations": [{"id": "color-contrast", "impact": "serious",
//                     "nodes": ["p.faint", ...], "help": "..."}],   axe-core's, nodes first 5
//     "values": {"name": <the expression's result>},
//     "error": "..."}]                         only when the page could not be measured
//
// Exit status:
//   0  every page loaded (HTTP 2xx) and was measured; violations and overflow do not count
//   1  the spec is not valid (stderr says what is wrong)
//   2  Chromium or a module is missing, or Chromium would not start (stderr says what to do)
//   3  a page failed to load or to be measured, or the run passed run_timeout_ms; the JSON
//      is still printed, with `error` on the entries concerned
//
// The pages are measured as a visitor gets them: their Content-Security-Policy is not
// bypassed. axe-core and the expressions run through the DevTools protocol (as a console
// would), which a page's `script-src` does not govern, so no <script> is added to the page.

import fs from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

const DEFAULT_CHROMIUM = '/usr/bin/chromium'
const DEFAULT_VIEWPORTS = [
  [390, 844],
  [1280, 800]
]
const MAX_PAGE_TIMEOUT_MS = 20_000
const DEFAULT_RUN_TIMEOUT_MS = 120_000
const MAX_OVERFLOWING = 10
const MAX_NODES = 5

class Failure extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

function fail(code, message) {
  throw new Failure(code, message)
}

async function readSpec() {
  const argument = process.argv[2]
  let text
  if (argument !== undefined && argument !== '-') text = argument
  else {
    if (process.stdin.isTTY) fail(1, 'no spec: pass it as the first argument or on standard input (see the head of audit.mjs)')
    const chunks = []
    for await (const chunk of process.stdin) chunks.push(chunk)
    text = Buffer.concat(chunks).toString('utf8')
  }
  let spec
  try {
    spec = JSON.parse(text)
  } catch (error) {
    fail(1, `the spec is not JSON (${error.message}); see the head of audit.mjs for its shape`)
  }
  return validate(spec)
}

function validate(spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) fail(1, 'the spec must be a JSON object')
  const known = new Set(['chromium', 'urls', 'viewports', 'evaluate', 'page_timeout_ms', 'run_timeout_ms'])
  for (const key of Object.keys(spec)) if (!known.has(key)) fail(1, `unknown field \`${key}\` in the spec; known: ${[...known].join(', ')}`)

  const chromium = spec.chromium ?? DEFAULT_CHROMIUM
  if (typeof chromium !== 'string' || !chromium) fail(1, '`chromium` must be the path of the Chromium binary')

  const urls = spec.urls
  if (!Array.isArray(urls) || !urls.length || !urls.every(url => typeof url === 'string')) fail(1, '`urls` must be a non-empty array of strings')
  for (const url of urls) {
    try {
      new URL(url)
    } catch {
      fail(1, `\`${url}\` in \`urls\` is not an absolute URL`)
    }
  }

  const viewports = spec.viewports ?? DEFAULT_VIEWPORTS
  const isSize = v => Number.isInteger(v) && v > 0 && v <= 10_000
  if (!Array.isArray(viewports) || !viewports.length || !viewports.every(v => Array.isArray(v) && v.length === 2 && v.every(isSize)))
    fail(1, '`viewports` must be a non-empty array of [width, height] pairs of positive integers')

  const evaluate = spec.evaluate ?? {}
  if (typeof evaluate !== 'object' || Array.isArray(evaluate) || !Object.values(evaluate).every(e => typeof e === 'string'))
    fail(1, '`evaluate` must be an object of name: "JavaScript expression"')

  const pageTimeout = spec.page_timeout_ms ?? MAX_PAGE_TIMEOUT_MS
  if (!Number.isInteger(pageTimeout) || pageTimeout <= 0 || pageTimeout > MAX_PAGE_TIMEOUT_MS)
    fail(1, `\`page_timeout_ms\` must be an integer from 1 to ${MAX_PAGE_TIMEOUT_MS}`)
  const runTimeout = spec.run_timeout_ms ?? DEFAULT_RUN_TIMEOUT_MS
  if (!Number.isInteger(runTimeout) || runTimeout <= 0) fail(1, '`run_timeout_ms` must be a positive integer')

  return {chromium, urls, viewports, evaluate, pageTimeout, runTimeout}
}

async function loadModules() {
  let puppeteer
  let axeSource
  try {
    puppeteer = (await import('puppeteer-core')).default
    axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  } catch (error) {
    fail(2, `a module is missing (${error.code ?? error.message}): run \`npm ci --prefix tests/browser\``)
  }
  return {puppeteer, axeSource}
}

function checkChromium(chromium) {
  try {
    fs.accessSync(chromium, fs.constants.X_OK)
  } catch {
    fail(2, `no Chromium at ${chromium}: install Debian's (\`apt-get install chromium\`) or give its path as \`chromium\` in the spec`)
  }
}

// Runs in the page: the elements that stick out past the right edge of the viewport, in
// document order. One inside a scrolling or clipping box that itself fits is not counted.
function overflowingElements(limit) {
  const width = window.innerWidth
  const sticksOut = rect => rect.right > width + 0.5 && rect.width > 0 && rect.height > 0
  const contained = element => {
    for (let box = element.parentElement; box && box !== document.body && box !== document.documentElement; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return box.getBoundingClientRect().right <= width + 0.5
    }
    return false
  }
  const found = []
  for (const element of document.body ? document.body.querySelectorAll('*') : []) {
    if (!sticksOut(element.getBoundingClientRect()) || contained(element)) continue
    found.push(element.tagName.toLowerCase() + [...element.classList].map(name => `.${name}`).join(''))
    if (found.length === limit) break
  }
  return found
}

async function measure(browser, axeSource, spec, url, [width, height]) {
  const entry = {url, viewport: [width, height], status: null, scrollWidth: null, innerWidth: null, overflowing: [], violations: [], values: {}}
  // A fresh context (no cache, no cookies) for each page and size, so no answer is a 304.
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  try {
    page.setDefaultTimeout(spec.pageTimeout)
    await page.setCacheEnabled(false)
    await page.setViewport({width, height, deviceScaleFactor: 1})
    let response
    try {
      response = await page.goto(url, {waitUntil: 'load', timeout: spec.pageTimeout})
    } catch (error) {
      throw new Error(`could not load ${url}: ${error.message}`)
    }
    entry.status = response ? response.status() : null
    if (!response || !response.ok()) throw new Error(`${url} answered HTTP ${entry.status ?? 'nothing'}`)

    const sizes = await page.evaluate(() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth}))
    entry.scrollWidth = sizes.scrollWidth
    entry.innerWidth = sizes.innerWidth
    entry.overflowing = await page.evaluate(overflowingElements, MAX_OVERFLOWING)

    await page.evaluate(axeSource)
    const results = await page.evaluate(() => window.axe.run(document, {resultTypes: ['violations']}))
    entry.violations = results.violations.map(violation => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.slice(0, MAX_NODES).map(node => node.target.map(String).join(' >>> ')),
      help: violation.help
    }))

    for (const [name, expression] of Object.entries(spec.evaluate)) {
      try {
        entry.values[name] = await page.evaluate(expression)
      } catch (error) {
        throw new Error(`expression \`${name}\` failed on ${url}: ${error.message}`)
      }
      if (entry.values[name] === undefined) entry.values[name] = null
    }
  } catch (error) {
    entry.error = error.message
  } finally {
    await context.close().catch(() => {})
  }
  return entry
}

async function main() {
  const spec = await readSpec()
  const {puppeteer, axeSource} = await loadModules()
  checkChromium(spec.chromium)

  let browser
  try {
    browser = await puppeteer.launch({
      executablePath: spec.chromium,
      headless: true,
      timeout: spec.pageTimeout,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars'
      ]
    })
  } catch (error) {
    fail(2, `Chromium at ${spec.chromium} would not start: ${error.message.split('\n')[0]}`)
  }

  const results = []
  let timer
  const overtime = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(3, `the run passed run_timeout_ms (${spec.runTimeout} ms)`)), spec.runTimeout)
  })
  try {
    const run = (async () => {
      for (const url of spec.urls) for (const viewport of spec.viewports) results.push(await measure(browser, axeSource, spec, url, viewport))
    })()
    await Promise.race([run, overtime])
  } catch (error) {
    await emit(results)
    browser.process()?.kill('SIGKILL')
    throw error
  } finally {
    clearTimeout(timer)
  }
  await browser.close().catch(() => browser.process()?.kill('SIGKILL'))

  await emit(results)
  const failed = results.filter(entry => entry.error)
  if (failed.length) fail(3, failed.map(entry => `${entry.url} at ${entry.viewport.join('x')}: ${entry.error}`).join('\n'))
}

// Writes the results and waits until they are handed to the pipe: stdout on a pipe is
// asynchronous, and process.exit straight after a large write would cut it short.
function emit (results) {
  return new Promise(resolve => process.stdout.write(JSON.stringify(results, null, 2) + '\n', resolve))
}

try {
  await main()
  process.exit(0)
} catch (error) {
  process.stderr.write(`audit.mjs: ${error.message}\n`)
  process.exit(error instanceof Failure ? error.code : 2)
}
